#include "actors/topic_shard.hpp"

#include <caf/all.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/plugin_spec.hpp"

namespace sb {

topic* topic_shard_state::find(const std::string& key) {
  auto i = topics.find(key);
  return i == topics.end() ? nullptr : &i->second;
}

topic* topic_shard_state::find(const std::string& key, uint64_t incarnation) {
  auto t = find(key);
  return t && t->incarnation == incarnation ? t : nullptr;
}

caf::result<membership_actor> topic_shard_state::join(topic_join& j) {
  // A topic keeps the stream and plugin names as parts of its key.
  if (j.request.key != make_key(j.request.stream, j.request.plugin))
    return make_error(ec::internal, "a topic key is <stream>:<plugin>");
  auto addr = caf::actor_cast<caf::actor_addr>(j.member.plugin);
  auto [it, added] = members.try_emplace(addr, nullptr);
  if (added) {
    self->monitor(j.member.plugin);
  } else if (it->second->key() != j.request.key) {
    // One topic per plugin instance: its activate and leave name none.
    log::warning("topic", j.request.key, ": a member of ", it->second->key(),
                 " joins another topic; it leaves the first");
    leave(addr);
    members.emplace(addr, nullptr);
    self->monitor(j.member.plugin);
  }
  auto t = topics.find(j.request.key);
  if (t == topics.end()) {
    t = topics.emplace(std::piecewise_construct, std::forward_as_tuple(j.request.key),
                       std::forward_as_tuple(*this, j.request, ++incarnations))
          .first;
    t->second.bind(t->first);
    count(metrics::global().topics, 1);
  }
  members[addr] = &t->second;
  return t->second.join(std::move(j.member));
}

void topic_shard_state::activate(const caf::actor_addr& plugin,
                                 const std::vector<std::string>& catch_up,
                                 const std::string& after) {
  auto i = members.find(plugin);
  if (i == members.end())
    return;
  // A member that activates holds this shard's handle; one on this node
  // that tells the shard when it ends (plugin_base's destructor) needs the
  // monitor, 48 B for as long as the socket lives, only for the join.
  if (plugin.node() == self->node() && i->second->tells_its_end(plugin))
    self->demonitor(plugin);
  i->second->activate(plugin, catch_up, after);
}

void topic_shard_state::leave(const caf::actor_addr& plugin) {
  auto i = members.find(plugin);
  if (i == members.end())
    return;
  auto& t = *i->second;
  self->demonitor(plugin);
  members.erase(i);
  if (!t.leave(plugin))
    return;
  t.stop();
  topics.erase(topics.find(t.key()));
  count(metrics::global().topics, -1);
}

std::vector<topic_report> topic_shard_state::reports() const {
  std::vector<topic_report> out;
  out.reserve(topics.size());
  for (auto& [key, t] : topics)
    out.push_back(t.describe());
  return out;
}

topic_shard_actor::behavior_type
topic_shard(topic_shard_actor::stateful_pointer<topic_shard_state> self, broker_handles broker) {
  auto& st = self->state;
  st.self = self;
  st.broker = std::move(broker);
  self->set_down_handler([&st](caf::down_msg& dm) { st.leave(dm.source); });
  auto sender = [self] { return caf::actor_cast<caf::actor_addr>(self->current_sender()); };
  return {
    // --- membership ---
    [&st](join_atom, topic_join& j) { return st.join(j); },
    [&st, sender](activate_atom, const std::string& after,
                  const std::vector<std::string>& catch_up) {
      st.activate(sender(), catch_up, after);
      return ok_atom::value;
    },
    [&st, sender](leave_atom) {
      // Answered after every event before it went out: once the plugin has
      // this reply, nothing of this topic reaches its socket any more.
      st.leave(sender());
      return ok_atom::value;
    },
    // --- broker events ---
    [&st](message_atom, const std::string& channel, const std::string& payload) {
      if (auto t = st.find(channel))
        t->on_published(payload);
    },
    [&st](entry_atom, const std::string& key, const stream_entry& entry) {
      if (auto t = st.find(key))
        t->on_entry(entry);
    },
    [&st](tick_atom, const std::string& key) {
      if (auto t = st.find(key))
        t->flush_coalesced();
    },
    [&st](pulse_atom, const std::string& key, uint64_t incarnation) {
      if (auto t = st.find(key, incarnation))
        t->pulse();
    },
    [&st](topics_atom) { return st.reports(); },
  };
}

} // namespace sb
