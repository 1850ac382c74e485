#include "redis/memory_broker.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>

#include "actors/metrics.hpp"
#include "redis/event_codec.hpp"

namespace sb {

namespace {

uint64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

std::string memory_broker_state::xadd(const std::string& key, std::vector<std::string> fields,
                                      uint64_t maxlen) {
  auto& entry = store.xadd(key, std::move(fields), maxlen, now_ms());
  if (auto i = listeners.find(key); i != listeners.end())
    for (auto& topic : i->second)
      self->send(topic, entry_atom::value, key, entry);
  return entry.id;
}

uint64_t memory_broker_state::publish(const std::string& channel, const std::string& payload) {
  auto i = channels.find(channel);
  if (i == channels.end())
    return 0;
  for (auto& topic : i->second)
    self->send(topic, message_atom::value, channel, payload);
  return i->second.size();
}

void memory_broker_state::add(std::unordered_map<std::string, std::vector<caf::actor>>& map,
                              const std::string& key, caf::actor who) {
  auto [it, added] = map.try_emplace(key);
  if (added)
    count(&map == &channels ? metrics::global().channels : metrics::global().stream_keys, 1);
  auto& list = it->second;
  if (std::find(list.begin(), list.end(), who) == list.end())
    list.push_back(std::move(who));
}

void memory_broker_state::remove(std::unordered_map<std::string, std::vector<caf::actor>>& map,
                                 const std::string& key, const caf::actor& who) {
  auto i = map.find(key);
  if (i == map.end())
    return;
  auto& list = i->second;
  list.erase(std::remove(list.begin(), list.end(), who), list.end());
  if (list.empty()) {
    map.erase(i);
    count(&map == &channels ? metrics::global().channels : metrics::global().stream_keys, -1);
  }
}

caf::behavior memory_broker(caf::stateful_actor<memory_broker_state>* self, int) {
  self->state.self = self;
  auto& st = self->state;
  return {
    // --- command ---
    [&st](xadd_atom, const std::string& key, std::vector<std::string>& fields, uint64_t maxlen) {
      return st.xadd(key, std::move(fields), maxlen);
    },
    [&st](post_atom, const std::string& key, const std::string& event, std::string& data,
          uint64_t maxlen, bool) {
      // Nothing here can be away: the channel is always heard.
      auto id = st.xadd(key, entry_fields(event, data), maxlen);
      st.publish(key, encode_published(event, id, data));
      return id;
    },
    [&st](publish_atom, const std::string& channel, const std::string& payload) {
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
      auto k = st.marks.find(key);
      if (k == st.marks.end())
        return std::string{};
      auto u = k->second.find(user);
      return u == k->second.end() ? std::string{} : u->second.str();
    },
    [&st](mark_set_atom, const std::string& key, const std::string& user,
          const std::string& id) -> caf::result<std::string> {
      auto parsed = stream_id::parse(id);
      if (!parsed)
        return make_error(ec::invalid_frame);
      auto& mark = st.marks[key][user];
      mark = std::max(mark, *parsed);
      return mark.str();
    },
    // --- subscriber ---
    [&st](subscribe_atom, const std::string& channel, caf::actor& topic) {
      st.add(st.channels, channel, std::move(topic));
      return ok_atom::value;
    },
    [&st](unsubscribe_atom, const std::string& channel, const caf::actor& topic) {
      st.remove(st.channels, channel, topic);
    },
    // --- stream listener ---
    [&st](listen_atom, const std::string& key, caf::actor& topic) {
      st.add(st.listeners, key, std::move(topic));
      return st.store.last_id(key).str();
    },
    [&st](unlisten_atom, const std::string& key, const caf::actor& topic) {
      st.remove(st.listeners, key, topic);
    },
  };
}

broker_handles spawn_memory_broker(caf::actor_system& sys) {
  auto broker = sys.spawn(memory_broker, 0);
  return {broker, broker, broker};
}

} // namespace sb
