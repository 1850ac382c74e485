#pragma once
// The broker's subscriber role on a Redis Cluster (redis.mode = cluster):
// a detached actor that hears this node's pub-sub channels with SSUBSCRIBE
// on the master serving each one's slot (redis/shard_channels), one
// connection per master that has channels. Topics subscribe by message
// with their keys (`stream:7:chat`); the Redis channel is the hash-tagged
// key (`{stream:7}:chat`, redis/cluster_keys). The first topic of a
// channel is answered once Redis confirms it, the last one leaving
// unsubscribes. It counts as up, for /readyz and for pub-sub sends, while
// every channel it had is subscribed on a connected master.

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"
#include "redis/subscriber_liveness.hpp"

namespace sb {

/// `seeds`: any nodes of the cluster. Reports liveness as shard 0.
void redis_cluster_subscriber(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                              redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                              std::shared_ptr<subscriber_liveness> liveness);

} // namespace sb
