#pragma once
// The sharded pub/sub side of a Redis Cluster, for one detached actor (the
// cluster subscriber, the cluster stream listener): a set of channels,
// each subscribed with SSUBSCRIBE on the master that serves its slot, one
// connection per master that has channels, all waited on with one poll().
// It follows the cluster: a slot that moves away (Redis then sends
// `sunsubscribe`, or the slot map says so) or a master that fails over
// takes its channels to their new master, where they are subscribed
// again and reported confirmed again. Blocking: detached actors only.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "redis/cluster_router.hpp"

namespace sb {

class shard_channels {
public:
  struct handlers {
    /// A message published to a channel of the set.
    std::function<void(const std::string& channel, std::string payload)> message;
    /// A channel is subscribed on the master that serves it (again, after
    /// a move or a lost connection): what was published before may have
    /// been missed.
    std::function<void(const std::string& channel)> confirmed;
    /// A channel never confirmed was dropped: its connection broke.
    std::function<void(const std::string& channel)> failed;
  };

  /// `seeds`: any nodes of the cluster; `name` names the connections in logs.
  shard_channels(std::vector<redis_endpoint> seeds, redis_timeouts timeouts, std::string name,
                 handlers h);
  ~shard_channels();
  shard_channels(const shard_channels&) = delete;
  shard_channels& operator=(const shard_channels&) = delete;

  /// Starts hearing `channel`: SSUBSCRIBE on its master, now or once the
  /// connection is up. False (and not added) when no master is known.
  bool add(const std::string& channel);
  void remove(const std::string& channel);
  bool confirmed(const std::string& channel) const;

  /// One round: connects the links that have channels, follows a changed
  /// slot map, waits up to `timeout` for data on every connection and
  /// dispatches it. False when no connection was there to wait on (the
  /// caller waits on its mailbox instead).
  bool step(std::chrono::milliseconds timeout);

  /// Every channel confirmed once is confirmed now, on a connected link.
  bool live() const;

  /// The slot map and plain connections to each master (for commands).
  cluster_router& router() { return router_; }

private:
  struct link {
    std::unique_ptr<redis_client> client;
    std::unordered_set<std::string> channels;
  };
  struct channel_state {
    int link = -1;          ///< -1: no master known yet
    bool confirmed = false;
    bool ever = false;      ///< confirmed at least once
  };

  link& link_at(size_t i);
  /// Puts `channel` on the link of its slot's master (SSUBSCRIBE there).
  void assign(const std::string& channel, channel_state& st);
  void unassign(const std::string& channel, channel_state& st);
  /// After the map changed: every channel to its master.
  void reassign_all();
  /// Reads the map again (at most every refresh_gap) and reassigns.
  void remap(bool now = false);
  void subscribe_all(size_t i);
  void lost(size_t i);
  void dispatch(size_t i, const redisReply* r);
  void read(size_t i);

  cluster_router router_;
  redis_timeouts timeouts_;
  std::string name_;
  handlers on_;
  std::vector<link> links_; ///< by the router's link index
  std::unordered_map<std::string, channel_state> channels_;
  std::unordered_set<std::string> relapsed_; ///< confirmed once, not now
  std::chrono::steady_clock::time_point last_map_{};
};

} // namespace sb
