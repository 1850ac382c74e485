#pragma once
// Milliseconds since the Unix epoch by the system clock: the time that goes
// on the wire and into Redis (entry ids, presence expiries, post deadlines),
// which every node and Redis itself must read alike, so never steady_clock.

#include <chrono>
#include <cstdint>

namespace sb {

inline uint64_t unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace sb
