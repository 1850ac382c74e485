#include "plugins/chat.hpp"

#include <caf/all.hpp>
#include <chrono>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/log.hpp"
#include "core/request.hpp"
#include "core/unix_time.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

using nlohmann::json;

namespace {

/// The largest page of a `history` command.
constexpr uint64_t max_page = 1000;

} // namespace

// --- open: join the topic, then read what the client must see first -------------

caf::result<open_result> chat_state::open() {
  auto rp = self->make_response_promise<open_result>();
  join(ctx.spec.strategy, "message", rp, [this, rp] {
    if (ctx.spec.since)
      read_replay(rp);
    else
      read_history(rp, open_result{});
  });
  return rp;
}

void chat_state::read_history(open_promise rp, open_result result) {
  request(self, ctx.broker.command, request_timeout, tail_atom::value, ctx.key(),
                uint64_t{ctx.settings.chat_history})
    .then(
      [this, rp, result](std::vector<stream_entry>& entries) mutable {
        catch_up().frames = {history_frame(entries)};
        catch_up().after_id = entries.empty() ? std::string{} : entries.back().id;
        rp.deliver(result);
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

void chat_state::read_replay(open_promise rp) {
  auto since = ctx.spec.since->str();
  request(self, ctx.broker.command, request_timeout, replay_atom::value, ctx.key(), since,
                uint64_t{ctx.settings.chat_max_length})
    .then(
      [this, rp, since](stream_replay& r) mutable {
        if (!r.recovered) {
          // Entries after `since` are gone: a fresh history replaces the
          // client's list instead of a replay with a hole in it.
          read_history(std::move(rp), open_result{true, false});
          return;
        }
        auto replay = make_replay("chat", ctx.spec.stream, "message", r.entries, since);
        catch_up() = std::move(replay);
        rp.deliver(open_result{true, true});
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

std::string chat_state::history_frame(const std::vector<stream_entry>& entries) const {
  return event_frame("chat", ctx.spec.stream, "history", {},
                     std::string{R"({"messages":)"} + messages_json(entries) + "}");
}

std::string chat_state::messages_json(const std::vector<stream_entry>& entries) const {
  std::string messages = "[";
  for (auto& entry : entries) {
    auto ev = decode_entry(entry, "message");
    if (ev.event != "message")
      continue;
    auto msg = json::parse(ev.data, nullptr, false);
    if (!msg.is_object())
      continue;
    msg["id"] = entry.id;
    if (messages.size() > 1)
      messages += ',';
    messages += msg.dump();
  }
  messages += ']';
  return messages;
}

// --- start: catch-up first, then live ---------------------------------------------

caf::result<ok_atom> chat_state::start() {
  auto live = go_live();
  // After the activation: the topic sees it before this `joined` comes back.
  publish("joined", R"({"user":)" + ctx.user().json() + "}");
  return live;
}

// --- commands ------------------------------------------------------------------------

void chat_state::on_command(const std::string& event, const std::string& ref_json,
                            const std::string& data_json) {
  auto ref = json::parse(ref_json, nullptr, false);
  if (ref.is_discarded())
    ref = nullptr;
  auto data = json::parse(data_json, nullptr, false);
  if (event == "send")
    return send_message(ref, data);
  if (event == "history")
    return load_older(ref, data);
  reply(error_frame(ec::invalid_frame, "chat has no command \"" + event + "\"", ref));
}

// --- history paging: the page before an id, answered with a `history` reply -----------

void chat_state::load_older(const json& ref, const json& data) {
  uint64_t limit = ctx.settings.chat_history > 0 ? ctx.settings.chat_history : 50;
  if (auto l = data.find("limit"); l != data.end() && !l->is_null()) {
    if (!l->is_number_unsigned() || l->get<uint64_t>() < 1 || l->get<uint64_t>() > max_page)
      return reply(error_frame(ec::invalid_frame,
                               "data.limit must be 1.." + std::to_string(max_page), ref));
    limit = l->get<uint64_t>();
  }
  std::optional<stream_id> before;
  if (auto b = data.find("before"); b != data.end() && !b->is_null()) {
    before = b->is_string() ? stream_id::parse(b->get<std::string>()) : std::nullopt;
    if (!before)
      return reply(error_frame(ec::invalid_frame, "data.before must be a message id", ref));
  }
  // One entry more than asked tells whether anything older is left.
  auto done = [this, ref, limit](std::vector<stream_entry>& entries) {
    bool more = entries.size() > limit;
    if (more)
      entries.erase(entries.begin());
    reply(history_reply(ref, entries, more));
    pending.end();
  };
  auto failed = [this, ref](caf::error& err) {
    reply(error_frame(to_ec(err), "the history could not be read", ref));
    pending.end();
  };
  pending.begin();
  if (before)
    request(self, ctx.broker.command, request_timeout, before_atom::value, ctx.key(),
                  before->str(), limit + 1)
      .then(done, failed);
  else
    request(self, ctx.broker.command, request_timeout, tail_atom::value, ctx.key(), limit + 1)
      .then(done, failed);
}

std::string chat_state::history_reply(const json& ref, const std::vector<stream_entry>& entries,
                                      bool more) const {
  // `next` is the oldest entry read, not the oldest message: a page of
  // entries that are no messages still moves the client on.
  std::string next = more && !entries.empty() ? json(entries.front().id).dump() : "null";
  return std::string{R"({"type":"history","ref":)"} + ref.dump() + R"(,"client":"chat","stream":")"
         + ctx.spec.stream + R"(","data":{"messages":)" + messages_json(entries)
         + R"(,"more":)" + (more ? "true" : "false") + R"(,"next":)" + next + "}}";
}

void chat_state::send_message(const json& ref, const json& data) {
  auto text = data.is_object() ? data.find("text") : data.end();
  if (!data.is_object() || text == data.end() || !text->is_string()) {
    reply(error_frame(ec::invalid_frame, "data.text must be a string", ref));
    return;
  }
  auto& str = text->get_ref<const std::string&>();
  if (str.empty()) {
    reply(error_frame(ec::invalid_frame, "data.text must not be empty", ref));
    return;
  }
  if (str.size() > ctx.settings.chat_max_text_bytes) {
    reply(error_frame(ec::too_large,
                      "data.text is longer than "
                        + std::to_string(ctx.settings.chat_max_text_bytes) + " bytes",
                      ref));
    return;
  }
  // Stored and published in one step. A pub-sub sender's message is
  // refused while this node cannot hear the channel (Redis came back, the
  // subscriber not yet): acked, it would reach none of this node's sockets.
  bool live_only = ctx.spec.strategy == strategy::pub_sub;
  pending.begin();
  post("message", message_data(str), ctx.settings.chat_max_length, live_only)
    .then(
      [this, ref](const std::string& id) {
        reply(ack_frame(ref, id));
        pending.end();
      },
      [this, ref](caf::error& err) {
        auto code = to_ec(err);
        auto why = error_message(err); // a WAIT short of replicas says so
        reply(error_frame(code, !why.empty()              ? why
                                : code == ec::unavailable ? "the broker is unavailable"
                                                          : "the message was not stored",
                          ref));
        pending.end();
      });
}

std::string chat_state::message_data(const std::string& text) const {
  std::string out = R"({"user":)";
  out += ctx.user().json();
  out += R"(,"text":)";
  out += json(text).dump();
  out += R"(,"ts":)";
  out += std::to_string(unix_ms());
  out += '}';
  return out;
}

void chat_state::publish(std::string_view event, const std::string& data_json) {
  // Fire and forget: an ephemeral event lost with the broker is no loss. A
  // crowd gets no joined/left (chat.max-join-leave; topics count members).
  publish_options opts{false, ctx.settings.chat_max_join_leave};
  caf::anon_send(ctx.broker.command, publish_atom::value, ctx.key(),
                 encode_published(event, {}, data_json, opts));
}

// --- close ---------------------------------------------------------------------------

void chat_state::close() {
  if (closed)
    return;
  closed = true;
  // Messages sent before the socket closed are stored and published first.
  pending.when_done([this] { leave(); });
}

void chat_state::leave() {
  if (started)
    publish("left", R"({"user":)" + ctx.user().json() + "}");
  leave_topic([this] { self->quit(); });
}

plugin_actor::behavior_type chat(lean_pointer<plugin_actor, chat_state> self,
                                 plugin_context ctx) {
  return plugin_behavior<plugin_actor>(self, std::move(ctx));
}

plugin_actor spawn_chat(caf::actor_system& sys, plugin_context ctx) {
  return sys.spawn(chat, std::move(ctx));
}

} // namespace sb
