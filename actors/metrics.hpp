#pragma once
// Process-wide counters and gauges, exported at `/metrics` in Prometheus
// text format (all prefixed `switchboard_`). Plain atomics, relaxed: writers
// are actors and asio threads on hot paths, the reader is one HTTP request.
// Global like every Prometheus registry: one node per process.

#include <atomic>
#include <cstdint>
#include <string>

namespace sb {

struct metrics {
  std::atomic<int64_t> sockets_open{0};
  std::atomic<uint64_t> sockets_opened{0};
  std::atomic<int64_t> topics{0};         ///< live topic actors
  std::atomic<int64_t> channels{0};       ///< broker pub-sub channels subscribed
  std::atomic<int64_t> stream_keys{0};    ///< keys the stream listener reads
  std::atomic<uint64_t> broker_reconnects{0};
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> slow_consumers{0};

  static metrics& global();

  /// The Prometheus text exposition of every metric.
  std::string render() const;
};

inline void count(std::atomic<int64_t>& gauge, int64_t delta) {
  gauge.fetch_add(delta, std::memory_order_relaxed);
}

inline void count(std::atomic<uint64_t>& counter, uint64_t delta = 1) {
  counter.fetch_add(delta, std::memory_order_relaxed);
}

} // namespace sb
