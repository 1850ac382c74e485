#pragma once
// Where the primary of a Sentinel-managed Redis is, for every connection of
// this process (redis.mode = sentinel). One resolver per master name and
// sentinel list, shared process-wide: each redis_client asks it before
// connecting, and drops its connection when the primary's generation moves.
//
// It learns the primary by asking the sentinels in turn
// (`SENTINEL get-master-addr-by-name`, after AUTH when a sentinel password
// is set), and hears failovers from the sentinel_watcher (`+switch-master`).
// A connection that cannot reach the primary, or finds it is no master
// (ROLE), calls stale(): the next connection attempt asks again. Callers
// are detached actors: asking blocks them (at most the connect and command
// timeouts per sentinel), never a scheduler thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "config/redis_url.hpp"

namespace sb {

struct redis_timeouts;

class sentinel_resolver {
public:
  using clock = std::chrono::steady_clock;

  struct primary_address {
    std::string host;
    int port = 0;
    uint64_t generation = 0; ///< generation() when this address was current
  };

  /// The resolver of `ep`'s master and sentinels (created on first use).
  static sentinel_resolver& of(const redis_endpoint& ep);

  explicit sentinel_resolver(const redis_endpoint& ep);

  /// The current primary: the cached answer, or the sentinels' when there
  /// is none or it went stale (asked at most every `ask_interval`).
  /// nullopt when no sentinel knows it.
  std::optional<primary_address> primary(const redis_timeouts& timeouts);

  /// Moves each time the primary's address changes (a failover): a
  /// connection made at an older generation talks to the old primary.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  /// The primary known at `generation` failed a connection or is no master:
  /// the next primary() asks the sentinels again.
  void stale(uint64_t generation);

  /// A sentinel announced a new primary (`+switch-master`).
  void moved(const std::string& host, int port);

  /// Asks the sentinels now (the watcher, after it (re)subscribed: a switch
  /// announced while it was away would go unheard otherwise).
  void refresh(const redis_timeouts& timeouts);

  const redis_endpoint& endpoint() const { return endpoint_; }

private:
  /// The first sentinel's answer, trying each in turn.
  std::optional<std::pair<std::string, int>> ask(const redis_timeouts& timeouts);
  /// Under the lock: adopt an address, moving the generation if it changed.
  void adopt(const std::string& host, int port, const char* source);

  static constexpr std::chrono::milliseconds ask_interval{100};

  redis_endpoint endpoint_;
  std::mutex mutex_;
  std::optional<std::pair<std::string, int>> known_;
  bool stale_ = true;
  clock::time_point last_ask_{};
  std::atomic<uint64_t> generation_{0};
};

/// The AUTH of a sentinel, its `SENTINEL get-master-addr-by-name` reply's
/// parsing and the `+switch-master` payload's, shared by the resolver and
/// the watcher.
namespace sentinel_reply {
/// "<name> <old-ip> <old-port> <new-ip> <new-port>" for `master`: the new
/// address; nullopt for another master or a malformed payload.
std::optional<std::pair<std::string, int>> switch_master(const std::string& payload,
                                                         const std::string& master);
} // namespace sentinel_reply

} // namespace sb
