#pragma once

// The deadline a request carries to the broker (post_atom's deadline_ms in
// core/actors.hpp): the broker never stores a post whose requester already
// gave up on it and answered its client `unavailable`.

#include <chrono>
#include <cstdint>

namespace sb {

/// When a request sent now with `timeout` stops waiting, in ms since the epoch.
inline uint64_t deadline_ms(std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch() + timeout).count();
}

} // namespace sb
