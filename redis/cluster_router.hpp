#pragma once
// Which connection serves a key in a Redis Cluster, for one detached actor
// that talks to the cluster (a command actor, the subscriber, the stream
// listener): the slot map (redis/cluster_slots) and one redis_client per
// node it has talked to. The map is learned from any node that answers,
// the seeds first known; a MOVED reply moves its slot and asks for the
// whole map again (a slot rarely moves alone: a failover or a reshard
// moves ranges); an ASK reply sends the command once to the importing node
// after ASKING. Connections are never reordered or dropped while the
// router lives, so a connection index (a "link") names the same node for
// good: callers keep per-link state (pipelines, loaded scripts) by it.
// Blocking, like redis_client: never call it from a scheduler thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/redis_url.hpp"
#include "redis/cluster_slots.hpp"
#include "redis/redis_client.hpp"

namespace sb {

class cluster_router {
public:
  /// `seeds`: any nodes of the cluster; their password is every node's.
  cluster_router(std::vector<redis_endpoint> seeds, redis_timeouts timeouts, std::string name);
  ~cluster_router();
  cluster_router(const cluster_router&) = delete;
  cluster_router& operator=(const cluster_router&) = delete;

  /// Reads CLUSTER SLOTS from a node serving slots or a seed, whichever
  /// answers first; false (the map unchanged) when none does.
  bool refresh();

  /// Another router of this process saw the map change since this one
  /// last read it (a MOVED, a failover): time to refresh().
  bool stale() const { return changes().load(std::memory_order_acquire) != changes_seen_; }

  /// The link that serves `key`, refreshing the map first when no master
  /// is known for its slot; -1 when none is known.
  int master_of(std::string_view key);

  /// The link to `node`, made on first use.
  size_t link_to(const cluster_node& node);

  size_t links() const { return connections_.size(); }
  redis_client& connection(size_t link) { return *connections_.at(link); }
  const cluster_node& node(size_t link) const { return nodes_.at(link); }

  /// Whether the node of `link` serves any slot in the current map.
  bool serving(size_t link) const;

  const slot_map& map() const { return map_; }

  /// Runs `argv` on the master of `key`, following MOVED and ASK (at most
  /// `max_redirects` of them). nullptr when no master could be reached;
  /// any other error reply (CLUSTERDOWN, TRYAGAIN, a script error) is the
  /// caller's to handle.
  reply_ptr command(std::string_view key, const std::vector<std::string>& argv);

  /// Runs `argv` where `redirect` sends it, following further redirects
  /// likewise; `answered_by` gets the link whose reply it is.
  reply_ptr resend(cluster_redirect redirect, const std::vector<std::string>& argv,
                   size_t* answered_by = nullptr);

  /// The redirect in `r`, if it is one, applied: a MOVED updates the map
  /// and refreshes it. nullopt for any other reply.
  std::optional<cluster_redirect> follow(const redisReply* r, const cluster_node& asked);

  static constexpr int max_redirects = 5;

private:
  /// Counts map changes seen by any router of the process.
  static std::atomic<uint64_t>& changes();
  bool load_from(redis_client& client, const cluster_node& node);
  reply_ptr asking(const cluster_node& node, const std::vector<std::string>& argv);

  std::vector<redis_endpoint> seeds_;
  redis_timeouts timeouts_;
  std::string name_;
  slot_map map_;
  std::vector<std::unique_ptr<redis_client>> connections_; ///< per link
  std::vector<cluster_node> nodes_;                        ///< per link
  uint64_t changes_seen_ = 0;
  uint64_t announced_ = 0; ///< map_.version() when changes() last moved for it
  mutable std::vector<bool> serving_;      ///< per link, for serving_version_
  mutable uint64_t serving_version_ = ~0ull; ///< the map version serving_ is of
};

} // namespace sb
