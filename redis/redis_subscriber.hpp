#pragma once
// The broker's subscriber role on one Redis shard: a detached actor holding
// the node's only SUBSCRIBE connection to that shard. Topics subscribe by
// message; the first topic of a channel sends SUBSCRIBE and is answered once
// Redis confirms it, the last one leaving sends UNSUBSCRIBE. After a lost
// connection it reconnects (at once when any other connection of this node
// reaches the same Redis, else with backoff) and resubscribes every
// channel; it counts as up, for /readyz and for pub-sub sends, only once
// all of them are confirmed.

#include <caf/fwd.hpp>
#include <memory>

#include "redis/broker_status.hpp"
#include "redis/redis_client.hpp"
#include "redis/subscriber_liveness.hpp"

namespace sb {

/// Which shard a subscriber serves, and where it reports being live.
struct subscriber_shard {
  size_t index = 0;
  std::shared_ptr<subscriber_liveness> liveness;
};

void redis_subscriber(caf::blocking_actor* self, redis_endpoint endpoint,
                      redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                      subscriber_shard shard);

} // namespace sb
