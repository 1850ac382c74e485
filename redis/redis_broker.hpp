#pragma once
// The Redis broker: the same three roles as the memory broker, spread over
// detached actors so that no scheduler thread blocks on Redis.
//   command:    a router over a pool of redis_command_actor (one connection
//               per shard each), by key so one key's commands stay in order;
//   subscriber: a router that forwards each channel to the subscriber of
//               its shard;
//   listener:   a router that forwards each key to the stream listener of
//               its shard.
// Keys go to shards by shard_of_key (redis/shard.hpp), the same on all nodes.
// With redis.mode = cluster, the command actors route by the cluster's slot
// map, keys are hash-tagged per stream (redis/cluster_keys), and one
// cluster subscriber and one cluster listener serve every master.

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

#include "core/actors.hpp"
#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"

namespace sb {

struct redis_broker_config {
  /// The servers; with `cluster`, any nodes of one Redis Cluster (seeds).
  std::vector<redis_endpoint> shards;
  bool cluster = false;
  redis_timeouts timeouts;
  size_t pool_size = 2;
};

broker_handles spawn_redis_broker(caf::actor_system& sys, const redis_broker_config& cfg,
                                  std::shared_ptr<broker_status> status);

} // namespace sb
