#include "actors/topic.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "core/envelope.hpp"
#include "core/frame.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

constexpr auto broker_timeout = std::chrono::seconds(5);

} // namespace

// --- broker events -------------------------------------------------------------

void topic_state::on_published(const std::string& payload) {
  auto ev = decode_published(payload, default_event);
  auto id = stream_id::parse(ev.id);
  // A stored event also reaches `streams` members through the stream, so
  // the channel copy is only for `pub-sub` members. Ephemeral events (no id)
  // go to everyone. Pub-sub frames never carry the id (PROTOCOL §1).
  bool stored = !ev.id.empty();
  // Announcements (chat joined/left) cost every member a frame per arrival:
  // a crowd does not get them (counted on this node, no broker round trip).
  if (ev.max_members > 0 && members.size() > ev.max_members)
    return;
  auto frame = make_frame(event_frame(plugin, stream, ev.event, {}, ev.data));
  if (ev.coalesce)
    return coalesce(std::move(frame)); // counted when it goes out
  // A stored event reaches streams members through the stream too: counted
  // there, once, when the topic has any.
  if (!stored || streams_members == 0)
    ++delivered;
  for (auto& [addr, m] : members) {
    if (stored && m.info.strategy != strategy::pub_sub)
      continue;
    if ((!ev.to_user.empty() && m.info.user_id != ev.to_user)
        || (!ev.except_socket.empty() && m.info.socket_id == ev.except_socket))
      continue;
    deliver(m, id, frame);
  }
}

// Only the newest goes out, at most once per coalesce_interval: a room where
// thousands arrive costs each member a frame a second, not one per arrival.
void topic_state::coalesce(frame_ptr frame) {
  coalesced = std::move(frame);
  if (flush_due)
    return;
  auto now = std::chrono::steady_clock::now();
  auto next = last_flush + coalesce_interval;
  if (now >= next)
    return flush_coalesced();
  flush_due = true;
  self->delayed_send(self, next - now, tick_atom::value);
}

void topic_state::flush_coalesced() {
  flush_due = false;
  if (!coalesced)
    return;
  last_flush = std::chrono::steady_clock::now();
  auto frame = std::move(coalesced);
  coalesced = nullptr;
  ++delivered;
  for (auto& [addr, m] : members)
    deliver(m, std::nullopt, frame);
}

void topic_state::on_entry(const stream_entry& entry) {
  if (streams_members == 0)
    return;
  ++delivered;
  auto ev = decode_entry(entry, default_event);
  auto frame = make_frame(event_frame(plugin, stream, ev.event, ev.id, ev.data));
  auto id = stream_id::parse(ev.id);
  for (auto& [addr, m] : members)
    if (m.info.strategy == strategy::streams)
      deliver(m, id, frame);
}

void topic_state::deliver(member& m, const std::optional<stream_id>& id,
                          const frame_ptr& frame) {
  // Live delivery can lag behind the member's catch-up read (the stream
  // listener is another connection): whatever the catch-up already had is
  // dropped here, before and after activation alike.
  if (id && *id <= m.floor)
    return;
  if (!m.active) {
    if (m.held.size() >= max_held) {
      log::warning("topic", key, " drops a held frame for a member that never activated");
      m.held.erase(m.held.begin());
    }
    m.held.push_back({id, frame});
  } else {
    m.info.sink->send(frame);
  }
}

// --- membership ----------------------------------------------------------------

bool topic_state::ready_for(const member& m) const {
  return subscribed == link::ready
         && (m.info.strategy != strategy::streams || listening == link::ready);
}

caf::result<membership_actor> topic_state::join(topic_member info) {
  ++joins;
  auto addr = caf::actor_cast<caf::actor_addr>(info.plugin);
  auto& m = members[addr];
  if (!m.info.plugin) {
    self->monitor(info.plugin);
    if (info.strategy == strategy::streams)
      ++streams_members;
  }
  m.info = std::move(info);
  ensure_links();
  if (ready_for(m))
    return caf::actor_cast<membership_actor>(self);
  auto rp = self->make_response_promise<membership_actor>();
  waiting.push_back({rp, addr});
  return rp;
}

void topic_state::ensure_links() {
  if (subscribed == link::none) {
    subscribed = link::pending;
    self->request(broker.subscriber, broker_timeout, subscribe_atom::value, key,
                  caf::actor_cast<channel_actor>(self))
      .then([this](ok_atom) { on_link_ready(subscribed); },
            [this](caf::error& err) { on_link_failed(err); });
  }
  if (streams_members > 0 && listening == link::none) {
    listening = link::pending;
    // A reply to a listen that a later unlisten cancelled must not mark a
    // newer listen as ready: compare generations.
    auto gen = ++listen_generation;
    self->request(broker.listener, broker_timeout, listen_atom::value, key,
                  caf::actor_cast<stream_actor>(self))
      .then(
        [this, gen](const std::string&) {
          if (gen == listen_generation)
            on_link_ready(listening);
        },
        [this, gen](caf::error& err) {
          if (gen == listen_generation)
            on_link_failed(err);
        });
  }
}

void topic_state::on_link_ready(link& which) {
  which = link::ready;
  answer_waiting();
}

void topic_state::answer_waiting() {
  auto me = caf::actor_cast<membership_actor>(self);
  auto i = std::partition(waiting.begin(), waiting.end(), [&](waiting_join& w) {
    auto m = members.find(w.plugin);
    return m != members.end() && !ready_for(m->second);
  });
  for (auto j = i; j != waiting.end(); ++j)
    if (members.count(j->plugin))
      j->promise.deliver(me);
  waiting.erase(i, waiting.end());
}

void topic_state::on_link_failed(const caf::error& err) {
  log::warning("topic", key, " could not attach to the broker: ", self->system().render(err));
  // Every waiting member fails; it will leave. Links reset so the next join
  // tries again.
  subscribed = subscribed == link::ready ? link::ready : link::none;
  listening = listening == link::ready ? link::ready : link::none;
  for (auto& w : waiting)
    w.promise.deliver(make_error(ec::unavailable));
  waiting.clear();
}

void topic_state::activate(const caf::actor_addr& plugin_addr,
                           const std::vector<std::string>& catch_up, const std::string& after) {
  auto i = members.find(plugin_addr);
  if (i == members.end())
    return;
  auto& m = i->second;
  for (auto& text : catch_up)
    m.info.sink->send(make_frame(text));
  m.active = true;
  m.floor = stream_id::parse(after).value_or(stream_id{});
  auto held = std::move(m.held);
  for (auto& h : held)
    deliver(m, h.id, h.frame);
}

void topic_state::leave(const caf::actor_addr& addr) {
  auto i = members.find(addr);
  if (i == members.end())
    return;
  if (i->second.info.strategy == strategy::streams && --streams_members == 0
      && listening != link::none) {
    self->send(broker.listener, unlisten_atom::value, key, caf::actor_cast<stream_actor>(self));
    listening = link::none;
    ++listen_generation;
  }
  self->demonitor(addr);
  members.erase(i);
  if (members.empty())
    self->send(registry, empty_atom::value, key, joins);
}

// --- behavior --------------------------------------------------------------------

topic_actor::behavior_type topic(topic_actor::stateful_pointer<topic_state> self,
                                 topic_request first, broker_handles broker,
                                 topic_registry_actor registry) {
  auto& st = self->state;
  st.self = self;
  st.key = std::move(first.key);
  st.stream = std::move(first.stream);
  st.plugin = std::move(first.plugin);
  st.default_event = std::move(first.default_event);
  st.broker = std::move(broker);
  st.registry = std::move(registry);
  self->set_down_handler([&st](caf::down_msg& dm) { st.leave(dm.source); });
  auto sender = [self] { return caf::actor_cast<caf::actor_addr>(self->current_sender()); };
  return {
    // --- membership ---
    [&st](join_atom, topic_join& j) { return st.join(std::move(j.member)); },
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
    [&st](stop_atom) { st.stop(); },
    // --- broker events ---
    [&st](message_atom, const std::string&, const std::string& payload) {
      st.on_published(payload);
    },
    [&st](entry_atom, const std::string&, const stream_entry& entry) { st.on_entry(entry); },
    [&st](tick_atom) { st.flush_coalesced(); },
    [&st](describe_atom) { return st.describe(); },
  };
}

topic_report topic_state::describe() const {
  auto pub_sub = members.size() - streams_members;
  std::string strategy = streams_members == 0 ? "pub-sub"
                         : pub_sub == 0       ? "streams"
                                              : "pub-sub+streams";
  return {key, std::move(strategy), members.size(), delivered};
}

void topic_state::stop() {
  // Pending links are undone too: the broker sees our subscribe before
  // this unsubscribe (messages between two actors stay in order).
  if (subscribed != link::none)
    self->send(broker.subscriber, unsubscribe_atom::value, key,
               caf::actor_cast<channel_actor>(self));
  if (listening != link::none)
    self->send(broker.listener, unlisten_atom::value, key, caf::actor_cast<stream_actor>(self));
  self->quit();
}

} // namespace sb
