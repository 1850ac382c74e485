#include "plugins/notifications.hpp"

#include <caf/all.hpp>

#include "actors/envelope.hpp"
#include "plugins/plugin_actor.hpp"
#include "actors/log.hpp"
#include "redis/event_codec.hpp"

namespace sb {

using nlohmann::json;

namespace {

constexpr auto request_timeout = std::chrono::seconds(5);
constexpr uint64_t max_unread = 100;

json entry_json(const stream_entry& entry) {
  auto ev = decode_entry(entry, "notification");
  return {{"id", entry.id}, {"data", json::parse(ev.data, nullptr, false)}};
}

} // namespace

caf::result<open_result> notifications_state::open() {
  auto rp = self->make_response_promise();
  topic_join j{ctx.key, ctx.spec.stream, "notifications", "notification",
               topic_member{caf::actor_cast<caf::actor>(self), ctx.sink, ctx.spec.strategy,
                            false, ctx.user.id, ctx.socket_id}};
  self->request(ctx.topics, request_timeout, join_atom::value, std::move(j))
    .then(
      [this, rp](caf::actor& t) mutable {
        topic = std::move(t);
        if (ctx.spec.strategy != strategy::streams)
          rp.deliver(open_result{}); // pub-sub: live only, nothing stored to read
        else if (ctx.spec.since)
          read_replay(std::move(rp));
        else
          read_unread(std::move(rp), open_result{});
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
  return rp;
}

void notifications_state::read_unread(caf::response_promise rp, open_result result) {
  auto failed = [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); };
  self->request(ctx.broker.command, request_timeout, mark_get_atom::value, ctx.key, ctx.user.id)
    .then(
      [this, rp, result, failed](const std::string& mark) mutable {
        auto after = mark.empty() ? std::string{"0-0"} : mark;
        self->request(ctx.broker.command, request_timeout, replay_atom::value, ctx.key, after,
                      max_unread)
          .then(
            [this, rp, result](stream_replay& r) mutable {
              json items = json::array();
              for (auto& e : r.entries)
                items.push_back(entry_json(e));
              after_id = r.entries.empty() ? std::string{} : r.entries.back().id;
              catch_up = {make_frame(event_frame(
                "notifications", ctx.spec.stream, "history", {},
                json{{"notifications", std::move(items)}}.dump(
                  -1, ' ', false, json::error_handler_t::replace)))};
              rp.deliver(result);
            },
            failed);
      },
      failed);
}

void notifications_state::read_replay(caf::response_promise rp) {
  auto since = ctx.spec.since->str();
  self->request(ctx.broker.command, request_timeout, replay_atom::value, ctx.key, since,
                uint64_t{ctx.config->chat_max_length})
    .then(
      [this, rp, since](stream_replay& r) mutable {
        if (!r.recovered)
          return read_unread(std::move(rp), open_result{true, false});
        auto replay = make_replay("notifications", ctx.spec.stream, "notification",
                                  r.entries, since);
        catch_up = std::move(replay.frames);
        after_id = std::move(replay.after_id);
        rp.deliver(open_result{true, true});
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

void notifications_state::start() {
  for (auto& f : catch_up)
    ctx.sink->send(std::move(f));
  catch_up.clear();
  self->send(topic, activate_atom::value, caf::actor_cast<caf::actor>(self), after_id);
}

void notifications_state::on_command(const std::string& event, const std::string& ref_json,
                                     const std::string& data_json) {
  auto ref = json::parse(ref_json, nullptr, false);
  if (ref.is_discarded())
    ref = nullptr;
  if (event != "read")
    return reply(error_frame(ec::invalid_frame, "notifications has no command \"" + event + "\"",
                             ref));
  mark_read(ref, json::parse(data_json, nullptr, false));
}

void notifications_state::mark_read(const json& ref, const json& data) {
  auto id = data.is_object() ? data.value("id", std::string{}) : std::string{};
  if (!stream_id::parse(id))
    return reply(error_frame(ec::invalid_frame, "data.id must be a notification id", ref));
  pending.begin();
  self->request(ctx.broker.command, request_timeout, mark_set_atom::value, ctx.key, ctx.user.id,
                id)
    .then(
      [this, ref](const std::string& mark) {
        reply(ack_frame(ref, mark));
        // The user's other sockets, on every node, learn the new mark.
        self->request(ctx.broker.command, request_timeout, publish_atom::value, ctx.key,
                      encode_published_to("read", json{{"id", mark}}.dump(), ctx.user.id,
                                          ctx.socket_id))
          .then([](uint64_t) {}, [](caf::error&) {});
        pending.end();
      },
      [this, ref](caf::error& err) {
        auto code = to_ec(err);
        reply(error_frame(code, code == ec::unavailable ? "the broker is unavailable"
                                                        : "the read mark was not stored",
                          ref));
        pending.end();
      });
}

void notifications_state::reply(std::string frame) {
  ctx.sink->send(make_frame(std::move(frame)));
}

void notifications_state::close() {
  if (closed)
    return;
  closed = true;
  // Reads sent before the socket closed move the mark first.
  pending.when_done([this] { leave(); });
}

void notifications_state::leave() {
  leave_topic(self, topic, [this] { self->quit(); });
}

caf::behavior notifications(caf::stateful_actor<notifications_state>* self,
                            plugin_context ctx) {
  return plugin_behavior(self, std::move(ctx));
}

caf::actor spawn_notifications(caf::actor_system& sys, plugin_context ctx) {
  return sys.spawn(notifications, std::move(ctx));
}

} // namespace sb
