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

/// `liveness` says which shards' subscribers hear their channels (for
/// `post` with live_only).
void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                         std::shared_ptr<const subscriber_liveness> liveness);

} // namespace sb
