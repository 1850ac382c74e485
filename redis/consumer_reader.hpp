#pragma once
// The Redis side of one stream consumer on one Redis server (core/actors.hpp,
// `consumer_reader_actor`): a detached actor with two connections of its
// own, so no scheduler thread ever waits on Redis. `control` finds the keys
// matching the consumer's glob (one SCAN page at a time, a new pass every
// second) and runs the consumer group's scripts for the stream consumers
// (take, ack, bury, touch; redis/consumer_scripts). `main` waits in XREAD
// BLOCK for new entries on every key found and wakes the consumer actor
// for each key that has some. A key's wake-ups start after the newest id
// it handed out (or saw another worker own), so a stream it is working
// through does not wake it once per entry.

#include <caf/fwd.hpp>
#include <chrono>
#include <string>

#include "core/actors.hpp"
#include "redis/redis_client.hpp"

namespace sb {

struct consumer_reader_config {
  std::string glob;            ///< consumers.<name>.streams
  std::string group;           ///< the consumer group: the consumer's name
  std::string worker;          ///< this process's consumer name in the group
  std::chrono::milliseconds claim_after{30'000};
  redis_endpoint endpoint;
  redis_timeouts timeouts;
  size_t batch = 100;          ///< entries per take
  std::chrono::milliseconds scan_every{1000}; ///< from the end of one SCAN pass to the next
};

/// Spawns the reader; it stops with an exit message (link it to its owner).
consumer_reader_actor spawn_consumer_reader(caf::actor_system& sys, consumer_reader_config cfg,
                                            consumer_actor owner);

} // namespace sb
