#pragma once
// Which connection serves a key in a Redis Cluster, for one detached actor
// that talks to the cluster (a command actor, the subscriber, a stream
// listener): the slot map (redis/cluster_slots) and one redis_client per
// master. The map is learned from any node that answers, the seeds first
// known; a MOVED reply moves its slot and asks for the whole map again
// (a slot rarely moves alone: a failover or a reshard moves ranges); an
// ASK reply sends the command once to the importing node after ASKING.
// Blocking, like redis_client: never call it from a scheduler thread.

#include <cstdint>
#include <memory>
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

  /// Reads CLUSTER SLOTS from a known master or a seed, whichever answers
  /// first; false (the map unchanged) when none does.
  bool refresh();

  /// Index of the master that serves `key` in masters(), refreshing the map
  /// first when no master is known for its slot; -1 when none is known.
  int master_of(std::string_view key);

  const slot_map& map() const { return map_; }

  /// The connection to masters()[index]; valid until the next refresh.
  redis_client& connection(size_t index) { return *connections_.at(index); }

  /// Runs `argv` on the master of `key`, following MOVED and ASK (at most
  /// `max_redirects` of them). nullptr when no master could be reached;
  /// any other error reply (CLUSTERDOWN, TRYAGAIN, a script error) is the
  /// caller's to handle.
  reply_ptr command(std::string_view key, const std::vector<std::string>& argv);

  /// The redirect in `r`, if it is one, applied: a MOVED updates the map
  /// and refreshes it. nullopt for any other reply.
  std::optional<cluster_redirect> follow(const redisReply* r, const cluster_node& asked);

  static constexpr int max_redirects = 5;

private:
  /// Matches connections_ to map_.masters(): connections to masters still
  /// listed are kept, new masters get new ones.
  void connect_masters();
  std::unique_ptr<redis_client> client_to(const cluster_node& node) const;
  reply_ptr asking(const cluster_node& node, const std::vector<std::string>& argv);

  std::vector<redis_endpoint> seeds_;
  redis_timeouts timeouts_;
  std::string name_;
  slot_map map_;
  std::vector<std::unique_ptr<redis_client>> connections_; ///< per map_.masters()
};

} // namespace sb
