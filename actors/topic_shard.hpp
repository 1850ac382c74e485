#pragma once
// One of the few actors that run this node's topics (actors/topic): every
// key that hashes to it is an entry here. The topic registry spawns the
// shards and routes each join to the key's shard; the broker's subscriber
// and stream listener send it the events of each key it subscribed; the
// members (plugin instances) hold it as their membership_actor and send it
// activate and leave, which find their topic by the sender (one topic per
// plugin instance). A topic is created by its first join and dropped, its
// broker links undone, when its last member leaves or dies: a member is
// monitored until it activates; from then on one on this node that joined
// saying it tells its end (topic_request::tells_its_end, as plugin_base
// does) says itself that it ended, and any other stays monitored. Its interface:
// topic_shard_actor.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <string>
#include <unordered_map>

#include "actors/topic.hpp"
#include "core/actors.hpp"

namespace sb {

struct topic_shard_state {
  static inline const char* name = "topic_shard";

  caf::result<membership_actor> join(topic_join& j);
  void activate(const caf::actor_addr& plugin, const std::vector<std::string>& catch_up,
                const std::string& after);
  /// The member goes from its topic; the topic goes when it was the last.
  void leave(const caf::actor_addr& plugin);
  /// The key's topic if it is still the one numbered `incarnation`.
  topic* find(const std::string& key, uint64_t incarnation);
  topic* find(const std::string& key);
  std::vector<topic_report> reports() const;

  topic_shard_actor::stateful_pointer<topic_shard_state> self = nullptr;
  broker_handles broker;
  /// Key -> topic. Node-based: a topic stays where it is while others come
  /// and go, so `members` may point at it.
  std::unordered_map<std::string, topic> topics;
  /// Member (plugin instance) -> its topic.
  std::unordered_map<caf::actor_addr, topic*> members;
  uint64_t incarnations = 0;
};

topic_shard_actor::behavior_type
topic_shard(topic_shard_actor::stateful_pointer<topic_shard_state> self, broker_handles broker);

} // namespace sb
