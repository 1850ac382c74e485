#include "plugins/notifications.hpp"

#include <caf/all.hpp>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/log.hpp"
#include "core/request.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

using nlohmann::json;

namespace {

constexpr uint64_t max_unread = 100;

json entry_json(const stream_entry& entry) {
  auto ev = decode_entry(entry, "notification");
  return {{"id", entry.id}, {"data", json::parse(ev.data, nullptr, false)}};
}

} // namespace

caf::result<open_result> notifications_state::open() {
  auto rp = self->make_response_promise<open_result>();
  join(ctx.spec.strategy, "notification", rp, [this, rp]() mutable {
    if (ctx.spec.strategy != strategy::streams)
      rp.deliver(open_result{}); // pub-sub: live only, nothing stored to read
    else if (ctx.spec.since)
      read_replay(rp);
    else
      read_unread(rp, open_result{});
  });
  return rp;
}

void notifications_state::read_unread(open_promise rp, open_result result) {
  auto failed = [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); };
  request(self, ctx.broker.command, request_timeout, mark_get_atom::value, ctx.key(), ctx.user().id)
    .then(
      [this, rp, result, failed](const std::string& mark) mutable {
        auto after = mark.empty() ? std::string{"0-0"} : mark;
        request(self, ctx.broker.command, request_timeout, replay_atom::value, ctx.key(), after,
                      max_unread)
          .then(
            [this, rp, result](stream_replay& r) mutable {
              json items = json::array();
              for (auto& e : r.entries)
                items.push_back(entry_json(e));
              catch_up().after_id = r.entries.empty() ? std::string{} : r.entries.back().id;
              catch_up().frames = {event_frame(
                "notifications", ctx.spec.stream, "history", {},
                json{{"notifications", std::move(items)}}.dump(
                  -1, ' ', false, json::error_handler_t::replace))};
              rp.deliver(result);
            },
            failed);
      },
      failed);
}

void notifications_state::read_replay(open_promise rp) {
  auto since = ctx.spec.since->str();
  request(self, ctx.broker.command, request_timeout, replay_atom::value, ctx.key(), since,
                uint64_t{ctx.settings.chat_max_length})
    .then(
      [this, rp, since](stream_replay& r) mutable {
        if (!r.recovered)
          return read_unread(std::move(rp), open_result{true, false});
        auto replay = make_replay("notifications", ctx.spec.stream, "notification",
                                  r.entries, since);
        catch_up() = std::move(replay);
        rp.deliver(open_result{true, true});
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

caf::result<ok_atom> notifications_state::start() {
  return go_live();
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
  // json::value() would throw on an id that is not a string, and stop the plugin.
  auto i = data.is_object() ? data.find("id") : data.end();
  auto id = i != data.end() && i->is_string() ? i->get<std::string>() : std::string{};
  if (!stream_id::parse(id))
    return reply(error_frame(ec::invalid_frame, "data.id must be a notification id", ref));
  pending.begin();
  request(self, ctx.broker.command, request_timeout, mark_set_atom::value, ctx.key(), ctx.user().id,
                id)
    .then(
      [this, ref](const std::string& mark) {
        reply(ack_frame(ref, mark));
        // The user's other sockets, on every node, learn the new mark.
        caf::anon_send(ctx.broker.command, publish_atom::value, ctx.key(),
                       encode_published_to("read", json{{"id", mark}}.dump(), ctx.user().id,
                                           ctx.socket_id()));
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

void notifications_state::close() {
  if (closed)
    return;
  closed = true;
  // Reads sent before the socket closed move the mark first.
  pending.when_done([this] { leave(); });
}

void notifications_state::leave() {
  leave_topic([this] { self->quit(); });
}

plugin_actor::behavior_type
notifications(lean_pointer<plugin_actor, notifications_state> self, plugin_context ctx) {
  return plugin_behavior<plugin_actor>(self, std::move(ctx));
}

plugin_actor spawn_notifications(caf::actor_system& sys, plugin_context ctx) {
  return sys.spawn(notifications, std::move(ctx));
}

} // namespace sb
