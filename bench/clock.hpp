#pragma once
// The one clock of the load generator: CLOCK_MONOTONIC in nanoseconds. Send
// times travel inside message texts and are compared in the same process,
// so no clock sync is involved. A vDSO call: ~20 ns, no syscall.

#include <cstdint>
#include <ctime>

namespace bench {

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

/// CLOCK_REALTIME in nanoseconds: the clock of the kernel's receive
/// timestamps (SO_TIMESTAMPNS), used only to measure how old data is.
inline uint64_t real_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

constexpr uint64_t ms_ns = 1000000;
constexpr uint64_t s_ns = 1000000000;

} // namespace bench
