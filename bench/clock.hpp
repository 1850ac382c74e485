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

/// CLOCK_REALTIME minus CLOCK_MONOTONIC, to turn a kernel receive timestamp
/// into the monotonic clock of the send times. Both clocks are read back to
/// back, and again if the thread was preempted between the reads: an offset
/// taken across a preemption would make data look younger than it is (we saw
/// deliveries "arrive" 1.5 ms before they were sent). Cached for 50 ms, so
/// NTP slewing the real clock cannot add more than ~25 µs of error.
inline int64_t real_minus_mono_ns(uint64_t mono_now) {
  static thread_local uint64_t taken = 0;
  static thread_local int64_t offset = 0;
  if (taken != 0 && mono_now - taken < 50 * ms_ns)
    return offset;
  for (int attempt = 0; attempt < 16; ++attempt) {
    uint64_t m1 = now_ns();
    uint64_t r = real_ns();
    uint64_t m2 = now_ns();
    if (m2 - m1 > 20000 && attempt < 15)
      continue;
    offset = int64_t(r) - int64_t(m1 + (m2 - m1) / 2);
    taken = m2;
    break;
  }
  return offset;
}

} // namespace bench
