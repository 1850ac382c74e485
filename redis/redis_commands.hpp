#pragma once
// The broker's command role on Redis: a pool of detached actors, each with
// one blocking hiredis connection per shard, serving post/xadd/publish/tail/replay
// by request and response. Blocking is fine here and only here: these
// actors own their threads, so no scheduler thread ever waits on Redis.

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"
#include "redis/subscriber_liveness.hpp"

namespace sb {

/// `shards`: the servers, or with `cluster` any nodes of a Redis Cluster
/// (seeds: its masters are learned, and followed through reshards and
/// failovers). `liveness` says which shards' subscribers hear their
/// channels (for `post` with live_only). `counts_failovers`: this actor
/// counts cluster failovers in the metrics (one of the pool does).
void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         bool cluster, bool counts_failovers, redis_timeouts timeouts,
                         std::shared_ptr<broker_status> status,
                         std::shared_ptr<const subscriber_liveness> liveness);

} // namespace sb
