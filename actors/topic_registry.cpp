#include "actors/topic_registry.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <functional>
#include <iterator>

#include "actors/gather.hpp"
#include "actors/topic_shard.hpp"
#include "core/log.hpp"

namespace sb {

const topic_shard_actor& topic_registry_state::shard_of(const std::string& key) const {
  return shards[std::hash<std::string>{}(key) % shards.size()];
}

caf::result<std::vector<topic_report>> topic_registry_state::reports() {
  using reports_t = std::vector<topic_report>;
  return gather_into<reports_t, reports_t>(
    self, shards, std::chrono::seconds(1),
    [](reports_t& out, reports_t r) { std::move(r.begin(), r.end(), std::back_inserter(out)); },
    topics_atom::value);
}

bool topic_registry_state::respawn(const caf::actor_addr& who) {
  auto i = std::find_if(shards.begin(), shards.end(),
                        [&](const topic_shard_actor& s) { return s.address() == who; });
  if (i == shards.end())
    return false;
  // Its members' plugins see their requests to it fail and leave; new
  // joins of its keys go to the new shard.
  log::error("topic", "a topic shard failed; its topics are gone, a new shard takes its keys");
  *i = self->spawn<caf::linked>(topic_shard, broker);
  return true;
}

topic_registry_actor::behavior_type
topic_registry(topic_registry_actor::stateful_pointer<topic_registry_state> self,
               broker_handles broker) {
  auto& st = self->state;
  st.self = self;
  st.broker = std::move(broker);
  // More shards than threads, so that busy keys rarely share one.
  auto shards = 2 * std::max<size_t>(1, self->system().scheduler().num_workers());
  // Linked: when the registry goes at shutdown, every shard goes with it.
  for (size_t i = 0; i < shards; ++i)
    st.shards.push_back(self->spawn<caf::linked>(topic_shard, st.broker));
  // A shard that fails must not take the registry down with it. Any other
  // exit message (shutdown) ends the registry and its shards.
  self->set_exit_handler([self, &st](caf::exit_msg& em) {
    if (!st.respawn(em.source))
      self->quit(em.reason);
  });
  return {
    [&st](join_atom, topic_join& j) {
      return st.self->delegate(st.shard_of(j.request.key), join_atom::value, std::move(j));
    },
    [&st](topics_atom) { return st.reports(); },
  };
}

} // namespace sb
