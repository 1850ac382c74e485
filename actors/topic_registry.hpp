#pragma once
// Finds or spawns the topic of a key on this node and forwards joins to it.
// Topics are freed when empty (unlike CAF's named groups, which never are):
// a topic reports "empty" with the number of joins it has seen, and the
// registry stops it only if no join is still on its way to it.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <string>
#include <unordered_map>

#include "core/actors.hpp"

namespace sb {

struct topic_registry_state {
  static inline const char* name = "topic_registry";

  struct entry {
    topic_actor topic;
    uint64_t forwarded = 0; ///< joins delegated to this topic
  };

  topic_actor topic_for(const topic_join& j);
  void on_empty(const std::string& key, uint64_t joins_seen, const caf::actor_addr& from);
  /// Drops a topic that died on its own; false if it is not one of ours.
  bool forget(const caf::actor_addr& topic);

  topic_registry_actor::stateful_pointer<topic_registry_state> self = nullptr;
  broker_handles broker;
  std::unordered_map<std::string, entry> topics;
};

topic_registry_actor::behavior_type
topic_registry(topic_registry_actor::stateful_pointer<topic_registry_state> self,
               broker_handles broker);

} // namespace sb
