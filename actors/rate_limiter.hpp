#pragma once
// A token bucket: `burst` commands at once, refilled at `per_second`. The
// connection actor asks it once per incoming frame. A rate of 0 turns it off
// (benchmarks run that way). Time is passed in so tests control the clock.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace sb {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  rate_limiter(uint32_t burst, uint32_t per_second, clock::time_point now)
    : burst_(burst), per_second_(per_second), tokens_(burst), last_(now) {
  }

  /// Takes one token; false when the bucket is empty.
  bool allow(clock::time_point now) {
    if (per_second_ == 0)
      return true;
    refill(now);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

private:
  void refill(clock::time_point now) {
    if (now <= last_)
      return;
    std::chrono::duration<double> elapsed = now - last_;
    tokens_ = std::min<double>(burst_, tokens_ + elapsed.count() * per_second_);
    last_ = now;
  }

  uint32_t burst_;
  uint32_t per_second_;
  double tokens_;
  clock::time_point last_;
};

} // namespace sb
