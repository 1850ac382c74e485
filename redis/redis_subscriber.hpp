#pragma once
// The broker's subscriber role on one Redis shard: a detached actor holding
// the node's only SUBSCRIBE connection to that shard. Topics subscribe by
// message; the first topic of a channel sends SUBSCRIBE and is answered once
// Redis confirms it, the last one leaving sends UNSUBSCRIBE. After a lost
// connection it reconnects with backoff and resubscribes every channel.

#include <caf/fwd.hpp>
#include <memory>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"

namespace sb {

void redis_subscriber(caf::blocking_actor* self, redis_endpoint endpoint,
                      redis_timeouts timeouts, std::shared_ptr<broker_status> status);

} // namespace sb
