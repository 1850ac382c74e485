#pragma once
// Routes each key's joins to its topic shard (actors/topic_shard), one of a
// few spawned at start, and gathers the shards' reports for `ctl topics`.
// A shard creates a key's topic on its first join and drops it when empty,
// in one mailbox, so no join can reach a topic on its way out.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <string>
#include <vector>

#include "core/actors.hpp"

namespace sb {

struct topic_registry_state {
  static inline const char* name = "topic_registry";

  const topic_shard_actor& shard_of(const std::string& key) const;
  caf::result<std::vector<topic_report>> reports();
  /// Replaces a shard that failed; false if `who` is not one of ours.
  bool respawn(const caf::actor_addr& who);

  topic_registry_actor::stateful_pointer<topic_registry_state> self = nullptr;
  broker_handles broker;
  std::vector<topic_shard_actor> shards;
};

/// Spawns twice as many topic shards as the scheduler has threads.
topic_registry_actor::behavior_type
topic_registry(topic_registry_actor::stateful_pointer<topic_registry_state> self,
               broker_handles broker);

} // namespace sb
