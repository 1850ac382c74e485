#include "redis/memory_broker.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>

#include "core/event_codec.hpp"
#include "core/metrics.hpp"
#include "core/unix_time.hpp"

namespace sb {

std::string memory_broker_state::post(const std::string& key, const std::string& event,
                                      std::string data, uint64_t maxlen) {
  // Nothing here can be away: the channel is always heard.
  auto& entry = store.xadd(key, entry_fields(event, data), maxlen, unix_ms());
  if (auto i = listeners.find(key); i != listeners.end())
    for (auto& topic : i->second)
      self->send(topic, entry_atom::value, key, entry);
  publish(key, encode_published(event, entry.id, data));
  return entry.id;
}

uint64_t memory_broker_state::publish(const std::string& channel, const std::string& payload) {
  auto i = channels.find(channel);
  if (i == channels.end())
    return 0;
  for (auto& receiver : i->second)
    self->send(receiver, message_atom::value, channel, payload);
  return i->second.size();
}

std::string memory_broker_state::mark_get(const std::string& key,
                                          const std::string& user) const {
  auto k = marks.find(key);
  if (k == marks.end())
    return {};
  auto u = k->second.find(user);
  return u == k->second.end() ? std::string{} : u->second.str();
}

caf::result<std::string> memory_broker_state::mark_set(const std::string& key,
                                                       const std::string& user,
                                                       const std::string& id) {
  auto parsed = stream_id::parse(id);
  if (!parsed)
    return make_error(ec::invalid_frame);
  auto& mark = marks[key][user];
  mark = std::max(mark, *parsed);
  return mark.str();
}

template <class Handle>
void memory_broker_state::add(std::unordered_map<std::string, std::vector<Handle>>& map,
                              const std::string& key, Handle who) {
  auto [it, added] = map.try_emplace(key);
  if (added)
    count(std::is_same<Handle, channel_actor>::value ? metrics::global().channels
                                                     : metrics::global().stream_keys,
          1);
  auto& list = it->second;
  if (std::find(list.begin(), list.end(), who) == list.end())
    list.push_back(std::move(who));
}

template <class Handle>
void memory_broker_state::remove(std::unordered_map<std::string, std::vector<Handle>>& map,
                                 const std::string& key, const Handle& who) {
  auto i = map.find(key);
  if (i == map.end())
    return;
  auto& list = i->second;
  list.erase(std::remove(list.begin(), list.end(), who), list.end());
  if (list.empty()) {
    map.erase(i);
    count(std::is_same<Handle, channel_actor>::value ? metrics::global().channels
                                                     : metrics::global().stream_keys,
          -1);
  }
}

memory_broker_actor::behavior_type
memory_broker(memory_broker_actor::stateful_pointer<memory_broker_state> self, int) {
  self->state.self = self;
  auto& st = self->state;
  return {
    // --- command ---
    [&st](post_atom, const std::string& key, const std::string& event, std::string& data,
          uint64_t maxlen, bool, uint64_t) { return st.post(key, event, std::move(data), maxlen); },
    [&st](publish_atom, const std::string& channel, const std::string& payload) {
      return st.publish(channel, payload);
    },
    // One process hears everything it publishes: live_only never refuses.
    [&st](publish_atom, const std::string& channel, const std::string& payload, bool) {
      return st.publish(channel, payload);
    },
    [&st](tail_atom, const std::string& key, uint64_t count) {
      return st.store.tail(key, count);
    },
    [&st](replay_atom, const std::string& key, const std::string& after,
          uint64_t count) -> caf::result<stream_replay> {
      auto id = stream_id::parse(after);
      if (!id)
        return make_error(ec::invalid_frame);
      return st.store.replay(key, *id, count);
    },
    [&st](before_atom, const std::string& key, const std::string& before,
          uint64_t count) -> caf::result<std::vector<stream_entry>> {
      auto id = stream_id::parse(before);
      if (!id)
        return make_error(ec::invalid_frame);
      return st.store.before(key, *id, count);
    },
    // --- presence ---
    [&st](pres_add_atom, const std::string& key, const presence_conn& c, uint64_t expires) {
      return st.presence.add(key, c, expires);
    },
    [&st](pres_ping_atom, const std::string& key, const std::string& conn, uint64_t expires) {
      return st.presence.refresh(key, conn, expires);
    },
    [&st](pres_rm_atom, const std::string& key, const std::string& conn) {
      return st.presence.remove(key, conn).value_or(std::string{});
    },
    [&st](pres_sweep_atom, const std::string& key, uint64_t now) {
      return st.presence.sweep(key, now);
    },
    [&st](pres_list_atom, const std::string& key) { return st.presence.list(key); },
    [&st](pres_count_atom, const std::string& key) { return st.presence.count(key); },
    // --- read marks ---
    [&st](mark_get_atom, const std::string& key, const std::string& user) {
      return st.mark_get(key, user);
    },
    [&st](mark_set_atom, const std::string& key, const std::string& user,
          const std::string& id) { return st.mark_set(key, user, id); },
    // --- subscriber ---
    [&st](subscribe_atom, const std::string& channel, channel_actor& receiver) {
      st.add(st.channels, channel, std::move(receiver));
      return ok_atom::value;
    },
    [&st](unsubscribe_atom, const std::string& channel, const channel_actor& receiver) {
      st.remove(st.channels, channel, receiver);
    },
    // --- stream listener ---
    [&st](listen_atom, const std::string& key, stream_actor& receiver) {
      st.add(st.listeners, key, std::move(receiver));
      return st.store.last_id(key).str();
    },
    [&st](unlisten_atom, const std::string& key, const stream_actor& receiver) {
      st.remove(st.listeners, key, receiver);
    },
  };
}

broker_handles spawn_memory_broker(caf::actor_system& sys) {
  auto broker = sys.spawn(memory_broker, 0);
  return {broker, broker, broker};
}

} // namespace sb
