#pragma once
// Process-wide counters and gauges, exported at `/metrics` in Prometheus
// text format (all prefixed `switchboard_`). Plain atomics, relaxed: writers
// are actors and asio threads on hot paths, the reader is one HTTP request.
// Global like every Prometheus registry: one node per process.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace sb {

struct metrics {
  std::atomic<int64_t> sockets_open{0};
  std::atomic<uint64_t> sockets_opened{0};
  std::atomic<int64_t> topics{0};         ///< live topics (entries of the topic shards)
  std::atomic<int64_t> channels{0};       ///< broker pub-sub channels subscribed
  std::atomic<int64_t> stream_keys{0};    ///< keys the stream listener reads
  std::atomic<uint64_t> broker_reconnects{0};
  std::atomic<uint64_t> redis_failovers{0};    ///< the Sentinel primary moved (seen here)
  std::atomic<uint64_t> redis_wait_short{0};   ///< appends fewer replicas confirmed than asked
  std::atomic<uint64_t> redis_slot_refreshes{0}; ///< cluster slot maps read (CLUSTER SLOTS)
  std::atomic<uint64_t> redis_redirects{0};      ///< cluster MOVED and ASK replies followed
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> slow_consumers{0};
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> specs_subscribed{0};   ///< added by subscribe on open sockets
  std::atomic<uint64_t> specs_unsubscribed{0}; ///< removed by unsubscribe

  /// A socket closed with `code` (rare: a mutex is fine).
  void socket_closed(uint16_t code);

  /// A command routed to `plugin` (labels are capped, see render()).
  void command(const std::string& plugin, const std::string& event);

  /// A proxy plugin's backend answered (`ok`, `malformed`) or did not
  /// (`unavailable`: down, slow, or not 2xx).
  void backend_request(const std::string& plugin, const std::string& outcome);

  /// Redis Cluster: `delta` connections to the master `node` (host:port)
  /// made (1) or closed (-1) by this node's cluster actors.
  void cluster_links(const std::string& node, int64_t delta);

  /// One broker command took `elapsed` (Redis round trip, or memory).
  void broker_latency(std::chrono::nanoseconds elapsed);

  static metrics& global();

  /// The labels of switchboard_build_info; set once at start by main(),
  /// which knows the version (config/version).
  void set_build_info(std::string version, std::string revision);

  /// The Prometheus text exposition of every metric.
  std::string render() const;

  /// Upper bounds of the broker latency buckets, in seconds.
  static constexpr std::array<double, 12> latency_bounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};

private:
  mutable std::mutex mutex_;
  std::string version_ = "unknown";
  std::string revision_ = "unknown";
  std::map<uint16_t, uint64_t> closes_;
  std::map<std::string, int64_t> cluster_links_;
  std::map<std::pair<std::string, std::string>, uint64_t> commands_;
  std::map<std::pair<std::string, std::string>, uint64_t> backend_requests_;
  std::array<std::atomic<uint64_t>, latency_bounds.size() + 1> latency_buckets_{};
  std::atomic<uint64_t> latency_sum_ns_{0};
};

inline void count(std::atomic<int64_t>& gauge, int64_t delta) {
  gauge.fetch_add(delta, std::memory_order_relaxed);
}

inline void count(std::atomic<uint64_t>& counter, uint64_t delta = 1) {
  counter.fetch_add(delta, std::memory_order_relaxed);
}

} // namespace sb
