#pragma once
// The broker's stream-listener role on one Redis shard: a detached actor
// holding the XREAD BLOCK connection over every key that has `streams`
// members on this node, remembering the last id per key. A new key is read
// promptly: a second connection sends CLIENT UNBLOCK to end the pending
// XREAD, which is then reissued with the new key. After a lost connection
// it reconnects with backoff and resumes from the last ids, so no stored
// entry is lost or delivered twice.

#include <caf/fwd.hpp>
#include <memory>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"

namespace sb {

void redis_listener(caf::blocking_actor* self, redis_endpoint endpoint, redis_timeouts timeouts,
                    std::shared_ptr<broker_status> status);

} // namespace sb
