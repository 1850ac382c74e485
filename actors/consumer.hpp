#pragma once
// One configured consumer (`[consumers.<name>]`) on a worker (core/actors.hpp,
// `consumer_actor`): spawns a reader per Redis server (redis/consumer_reader)
// and, as the readers find keys matching its glob, a stream consumer per key
// (actors/stream_consumer), which it wakes when its reader says the key has
// new entries. Every claim-after it wakes them all, so the entries of a
// worker that died move on to this one. Stopping it (an exit message)
// stops everything it spawned.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/settings.hpp"
#include "core/actors.hpp"
#include "plugins/plugin.hpp"
#include "redis/redis_client.hpp"

namespace sb {

struct consumer_config {
  consumer_settings settings;
  std::string worker; ///< this process's name in the consumer group
  std::vector<redis_endpoint> shards;
  redis_timeouts timeouts;
  /// The plugins' default events, for entries that name none.
  std::shared_ptr<const plugin_registry> plugins;
};

struct consumer_state {
  static inline const char* name = "consumer";

  /// The stream consumer of `key`, spawned on first use.
  stream_consumer_actor consumer_of(const std::string& key);
  /// Drops a stream consumer that quit (its key is gone); false if unknown.
  bool forget(const caf::actor_addr& who);

  consumer_actor::stateful_pointer<consumer_state> self = nullptr;
  consumer_config cfg;
  backend_actor backend;
  std::vector<consumer_reader_actor> readers; ///< by shard
  std::unordered_map<std::string, stream_consumer_actor> streams; ///< by key
};

consumer_actor::behavior_type consumer(consumer_actor::stateful_pointer<consumer_state> self,
                                       consumer_config cfg, backend_actor backend);

} // namespace sb
