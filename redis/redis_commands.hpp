#pragma once
// The broker's command role on Redis: a pool of detached actors, each with
// one blocking hiredis connection per shard, serving xadd/publish/tail/replay
// by request and response. Blocking is fine here and only here: these
// actors own their threads, so no scheduler thread ever waits on Redis.

#include <caf/fwd.hpp>
#include <memory>
#include <vector>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"

namespace sb {

void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         redis_timeouts timeouts, std::shared_ptr<broker_status> status);

} // namespace sb
