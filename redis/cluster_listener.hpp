#pragma once
// The broker's stream-listener role on a Redis Cluster (redis.mode =
// cluster): a detached actor that delivers new entries of every stream key
// with `streams` members on this node, remembering the last id per key,
// as redis_listener does on one server. A cluster cannot XREAD keys of
// different slots in one command, and one blocking connection per key
// would not scale, so every post's SPUBLISH (the post script publishes
// each entry on its key's channel) rings a doorbell: the listener holds
// SSUBSCRIBE on each key's channel (redis/shard_channels) and reads the
// keys that rang, one XREAD each, pipelined per master. A key is read
// again after its channel is (re)subscribed, and every key once a second,
// so an entry whose doorbell went unheard (a slot moving, a master
// failing over) still arrives: late, never lost, never twice.

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"

namespace sb {

/// `seeds`: any nodes of the cluster.
void redis_cluster_listener(caf::blocking_actor* self, std::vector<redis_endpoint> seeds,
                            redis_timeouts timeouts, std::shared_ptr<broker_status> status);

} // namespace sb
