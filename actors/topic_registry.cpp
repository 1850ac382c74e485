#include "actors/topic_registry.hpp"

#include <caf/all.hpp>

#include "core/metrics.hpp"
#include "actors/gather.hpp"
#include "actors/topic.hpp"

namespace sb {

topic_actor topic_registry_state::topic_for(const topic_join& j) {
  auto& e = topics[j.request.key];
  if (!e.topic) {
    // Linked: when the registry goes at shutdown, every topic goes with it.
    e.topic = self->spawn<caf::linked>(sb::topic, j.request, broker,
                                       caf::actor_cast<topic_registry_actor>(self));
    self->monitor(e.topic);
    count(metrics::global().topics, 1);
  }
  ++e.forwarded;
  return e.topic;
}

void topic_registry_state::on_empty(const std::string& key, uint64_t joins_seen,
                                    const caf::actor_addr& from) {
  auto i = topics.find(key);
  if (i == topics.end() || i->second.topic.address() != from)
    return;
  if (i->second.forwarded != joins_seen)
    return; // a join is in flight; the topic will not stay empty
  self->demonitor(i->second.topic.address());
  self->unlink_from(i->second.topic);
  self->send(i->second.topic, stop_atom::value);
  topics.erase(i);
  count(metrics::global().topics, -1);
}

bool topic_registry_state::forget(const caf::actor_addr& topic) {
  for (auto i = topics.begin(); i != topics.end(); ++i)
    if (i->second.topic.address() == topic) {
      topics.erase(i);
      count(metrics::global().topics, -1);
      return true;
    }
  return false;
}

topic_registry_actor::behavior_type
topic_registry(topic_registry_actor::stateful_pointer<topic_registry_state> self,
               broker_handles broker) {
  auto& st = self->state;
  st.self = self;
  st.broker = std::move(broker);
  self->set_down_handler([&st](caf::down_msg& dm) { st.forget(dm.source); });
  // A topic that fails must not take the registry down with it.
  // Any other exit message (shutdown) ends the registry and its topics.
  self->set_exit_handler([self, &st](caf::exit_msg& em) {
    if (!st.forget(em.source))
      self->quit(em.reason);
  });
  return {
    [&st](join_atom, topic_join& j) {
      auto topic = st.topic_for(j);
      return st.self->delegate(topic, join_atom::value, std::move(j));
    },
    [self, &st](empty_atom, const std::string& key, uint64_t joins_seen) {
      st.on_empty(key, joins_seen, caf::actor_cast<caf::actor_addr>(self->current_sender()));
    },
    [&st](topics_atom) -> caf::result<std::vector<topic_report>> {
      std::vector<topic_actor> all;
      all.reserve(st.topics.size());
      for (auto& [key, e] : st.topics)
        all.push_back(e.topic);
      return gather<topic_report>(st.self, all, std::chrono::seconds(1), describe_atom::value);
    },
  };
}

} // namespace sb
