#include "actors/topic.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "actors/topic_shard.hpp"
#include "core/envelope.hpp"
#include "core/frame.hpp"
#include "core/log.hpp"
#include "core/request.hpp"

namespace sb {

namespace {

constexpr auto broker_timeout = std::chrono::seconds(5);

} // namespace

topic::topic(topic_shard_state& owner, const topic_request& first, uint64_t number)
    : shard(&owner),
      incarnation(number),
      stream_size_(static_cast<uint32_t>(first.stream.size())),
      default_event(first.default_event),
      pulse_ms(first.pulse_ms) {
}

// --- broker events -------------------------------------------------------------

void topic::on_published(const std::string& payload) {
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
  auto frame = make_frame(event_frame(plugin(), stream(), ev.event, {}, ev.data));
  if (ev.coalesce)
    return coalesce(std::move(frame)); // counted when it goes out
  // A stored event reaches streams members through the stream too: counted
  // there, once, when the topic has any.
  if (!stored || streams_members == 0)
    ++delivered;
  for (auto& [addr, m] : members) {
    if (stored && m.info.strategy != strategy::pub_sub)
      continue;
    if ((!ev.to_user.empty() && m.info.who->user.id != ev.to_user)
        || (!ev.except_socket.empty() && m.info.who->socket_id == ev.except_socket))
      continue;
    deliver(m, id, frame);
  }
}

// Only the newest goes out, at most once per coalesce_interval: a room where
// thousands arrive costs each member a frame a second, not one per arrival.
void topic::coalesce(frame_ptr frame) {
  coalesced = std::move(frame);
  if (flush_due)
    return;
  auto now = std::chrono::steady_clock::now();
  auto next = last_flush + coalesce_interval;
  if (now >= next)
    return flush_coalesced();
  flush_due = true;
  shard->self->delayed_send(shard->self, next - now, tick_atom::value, key());
}

// One beat for the whole room: each member gets `tick`, and the first
// active one is its lead (presence: one sweep per room, not one per
// socket). A member that has not activated yet is not the lead, and
// presence ignores its tick, so its first refresh comes within a period.
void topic::pulse() {
  pulse_due = false;
  if (pulse_ms == 0 || members.empty())
    return;
  bool lead_given = false;
  for (auto& [addr, m] : members) {
    bool lead = m.active && !lead_given;
    lead_given = lead_given || lead;
    caf::anon_send(caf::actor_cast<caf::actor>(m.info.plugin), tick_atom::value, lead);
  }
  pulse_due = true;
  shard->self->delayed_send(shard->self, std::chrono::milliseconds(pulse_ms), pulse_atom::value,
                            key(), incarnation);
}

void topic::flush_coalesced() {
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

void topic::on_entry(const stream_entry& entry) {
  if (streams_members == 0)
    return;
  ++delivered;
  auto ev = decode_entry(entry, default_event);
  auto frame = make_frame(event_frame(plugin(), stream(), ev.event, ev.id, ev.data));
  auto id = stream_id::parse(ev.id);
  for (auto& [addr, m] : members)
    if (m.info.strategy == strategy::streams)
      deliver(m, id, frame);
}

void topic::deliver(member& m, const std::optional<stream_id>& id, const frame_ptr& frame) {
  // Live delivery can lag behind the member's catch-up read (the stream
  // listener is another connection): whatever the catch-up already had is
  // dropped here, before and after activation alike.
  if (id && *id <= m.floor)
    return;
  if (!m.active) {
    if (m.held.size() >= max_held) {
      log::warning("topic", key(), " drops a held frame for a member that never activated");
      m.held.erase(m.held.begin());
    }
    m.held.push_back({id, frame});
  } else {
    m.info.sink->send(frame);
  }
}

// --- membership ----------------------------------------------------------------

bool topic::ready_for(const member& m) const {
  return subscribed == link::ready
         && (m.info.strategy != strategy::streams || listening == link::ready);
}

caf::result<membership_actor> topic::join(topic_member info) {
  auto addr = caf::actor_cast<caf::actor_addr>(info.plugin);
  auto& m = members[addr];
  if (!m.info.plugin && info.strategy == strategy::streams)
    ++streams_members;
  m.info = std::move(info);
  if (pulse_ms > 0 && !pulse_due) {
    pulse_due = true;
    shard->self->delayed_send(shard->self, std::chrono::milliseconds(pulse_ms),
                              pulse_atom::value, key(), incarnation);
  }
  ensure_links();
  if (ready_for(m))
    return caf::actor_cast<membership_actor>(shard->self);
  auto rp = shard->self->make_response_promise<membership_actor>();
  waiting.push_back({rp, addr});
  return rp;
}

// A reply comes to the shard, maybe after this topic went and another of
// the same key came: it is for this topic only if the incarnation matches.
void topic::ensure_links() {
  auto* owner = shard;
  auto self = owner->self;
  auto number = incarnation;
  if (subscribed == link::none) {
    subscribed = link::pending;
    request(self, owner->broker.subscriber, broker_timeout, subscribe_atom::value, key(),
                  caf::actor_cast<channel_actor>(self))
      .then(
        [owner, k = key(), number](ok_atom) {
          if (auto t = owner->find(k, number))
            t->on_link_ready(false);
        },
        [owner, k = key(), number](caf::error& err) {
          if (auto t = owner->find(k, number))
            t->on_link_failed(err);
        });
  }
  if (streams_members > 0 && listening == link::none) {
    listening = link::pending;
    // A reply to a listen that a later unlisten cancelled must not mark a
    // newer listen as ready: compare generations.
    auto gen = ++listen_generation;
    request(self, owner->broker.listener, broker_timeout, listen_atom::value, key(),
                  caf::actor_cast<stream_actor>(self))
      .then(
        [owner, k = key(), number, gen](const std::string&) {
          if (auto t = owner->find(k, number); t && gen == t->listen_generation)
            t->on_link_ready(true);
        },
        [owner, k = key(), number, gen](caf::error& err) {
          if (auto t = owner->find(k, number); t && gen == t->listen_generation)
            t->on_link_failed(err);
        });
  }
}

void topic::on_link_ready(bool listener) {
  (listener ? listening : subscribed) = link::ready;
  answer_waiting();
}

void topic::answer_waiting() {
  auto me = caf::actor_cast<membership_actor>(shard->self);
  auto i = std::partition(waiting.begin(), waiting.end(), [&](waiting_join& w) {
    auto m = members.find(w.plugin);
    return m != members.end() && !ready_for(m->second);
  });
  for (auto j = i; j != waiting.end(); ++j)
    if (members.count(j->plugin))
      j->promise.deliver(me);
  waiting.erase(i, waiting.end());
  if (waiting.empty())
    std::vector<waiting_join>{}.swap(waiting); // an idle topic holds no capacity
}

void topic::on_link_failed(const caf::error& err) {
  log::warning("topic", key(), " could not attach to the broker: ",
               shard->self->system().render(err));
  // Every waiting member fails; it will leave. Links reset so the next join
  // tries again.
  subscribed = subscribed == link::ready ? link::ready : link::none;
  listening = listening == link::ready ? link::ready : link::none;
  for (auto& w : waiting)
    w.promise.deliver(make_error(ec::unavailable));
  std::vector<waiting_join>{}.swap(waiting);
}

void topic::activate(const caf::actor_addr& plugin_addr, const std::vector<std::string>& catch_up,
                     const std::string& after) {
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

bool topic::tells_its_end(const caf::actor_addr& plugin) const {
  auto i = members.find(plugin);
  return i != members.end() && i->second.info.tells_its_end;
}

bool topic::leave(const caf::actor_addr& addr) {
  auto i = members.find(addr);
  if (i == members.end())
    return members.empty();
  if (i->second.info.strategy == strategy::streams && --streams_members == 0
      && listening != link::none) {
    shard->self->send(shard->broker.listener, unlisten_atom::value, key(),
                      caf::actor_cast<stream_actor>(shard->self));
    listening = link::none;
    ++listen_generation;
  }
  members.erase(i);
  return members.empty();
}

topic_report topic::describe() const {
  auto pub_sub = members.size() - streams_members;
  std::string strategy = streams_members == 0 ? "pub-sub"
                         : pub_sub == 0       ? "streams"
                                              : "pub-sub+streams";
  return {key(), std::move(strategy), members.size(), delivered};
}

void topic::stop() {
  // Pending links are undone too: the broker sees the subscribe before this
  // unsubscribe (messages between two actors stay in order), and a topic
  // of the same key made later subscribes after it.
  auto self = shard->self;
  if (subscribed != link::none)
    self->send(shard->broker.subscriber, unsubscribe_atom::value, key(),
               caf::actor_cast<channel_actor>(self));
  if (listening != link::none)
    self->send(shard->broker.listener, unlisten_atom::value, key(),
               caf::actor_cast<stream_actor>(self));
}

} // namespace sb
