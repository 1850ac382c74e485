#include "plugins/presence.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/log.hpp"
#include "core/request.hpp"
#include "core/unix_time.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

using nlohmann::json;

namespace {

} // namespace

std::string presence_users_json(const std::vector<presence_user>& users) {
  json list = json::array();
  for (auto& u : users) {
    auto user = json::parse(u.user_json, nullptr, false);
    if (!user.is_object())
      continue;
    user["connections"] = u.connections;
    list.push_back(std::move(user));
  }
  auto count = list.size();
  return json{{"users", std::move(list)}, {"count", count}}.dump(-1, ' ', false,
                                                                   json::error_handler_t::replace);
}

bool presence_state::crowded(uint64_t users) const {
  auto limit = ctx.settings.presence_max_list;
  return limit > 0 && users > limit;
}

uint64_t presence_state::expiry() const {
  // Refreshed every ttl/3 and swept every ttl/3 by every instance: a dead
  // node's connections are gone at most ttl after their last refresh.
  return unix_ms() + static_cast<uint64_t>(ctx.settings.presence_ttl.count()) * 2 / 3;
}

presence_conn presence_state::conn() const {
  return {ctx.socket_id(), ctx.user().id, ctx.user().json()};
}

caf::result<open_result> presence_state::open() {
  auto rp = self->make_response_promise<open_result>();
  // Presence events are never stored: the member always listens on the
  // channel, whatever strategy the client asked for.
  // The heartbeat comes from the topic, one timer for the whole room.
  auto beat = std::max<int64_t>(ctx.settings.presence_ttl.count() / 3, 1);
  join(strategy::pub_sub, "join", rp, [this, rp] { register_connection(rp); },
       static_cast<uint32_t>(beat));
  return rp;
}

void presence_state::register_connection(open_promise rp) {
  request(self, ctx.broker.command, request_timeout, pres_add_atom::value, ctx.key(), conn(),
                expiry())
    .then(
      [this, rp](bool is_first) mutable {
        first = is_first;
        read_state(std::move(rp));
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

void presence_state::read_state(open_promise rp) {
  auto key = ctx.key();
  auto failed = [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); };
  request(self, ctx.broker.command, request_timeout, pres_sweep_atom::value, key, unix_ms())
    .then(
      [this, rp, key, failed](std::vector<std::string>& left) mutable {
        publish_leaves(left);
        // Counted first: a big room's list is never read (it would cost
        // each arrival the whole room).
        request(self, ctx.broker.command, request_timeout, pres_count_atom::value, key)
          .then([this, rp](uint64_t users) mutable { read_list(std::move(rp), users); },
                failed);
      },
      failed);
}

void presence_state::read_list(open_promise rp, uint64_t users) {
  if (crowded(users)) {
    auto data = R"({"count":)" + std::to_string(users) + "}";
    catch_up().frames = {event_frame("presence", ctx.spec.stream, "state", {}, data)};
    rp.deliver(open_result{});
    return;
  }
  request(self, ctx.broker.command, request_timeout, pres_list_atom::value, ctx.key())
    .then(
      [this, rp](std::vector<presence_user>& list) mutable {
        catch_up().frames = {event_frame("presence", ctx.spec.stream, "state", {},
                                presence_users_json(list))};
        rp.deliver(open_result{});
      },
      [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
}

caf::result<ok_atom> presence_state::start() {
  auto live = go_live();
  if (first)
    announce("join", ctx.user().json());
  return live;
}

void presence_state::heartbeat(bool sweep) {
  // Not before start: the registration of open may still be on its way,
  // and a ping that finds none would register the connection twice.
  if (closed || !started)
    return;
  request(self, ctx.broker.command, request_timeout, pres_ping_atom::value, ctx.key(),
          ctx.socket_id(), expiry())
    .then(
      [this](bool known) {
        if (!known) // swept while the broker was away: register again
          request(self, ctx.broker.command, request_timeout, pres_add_atom::value, ctx.key(),
                        conn(), expiry())
            .then([this](bool is_first) { if (is_first) announce("join", ctx.user().json()); },
                  [](caf::error&) {});
      },
      [](caf::error&) {}); // the broker is away; the next beat tries again
  if (!sweep)
    return;
  request(self, ctx.broker.command, request_timeout, pres_sweep_atom::value, ctx.key(), unix_ms())
    .then([this](std::vector<std::string>& left) { publish_leaves(left); },
          [](caf::error&) {});
}

void presence_state::publish_leaves(const std::vector<std::string>& users) {
  for (auto& user : users)
    announce("leave", user);
}

// `join`/`leave` carry the room's user count; above presence.max-list a
// coalesced `count` event goes out instead (topics send the newest once a
// second), so a big room costs no member a frame per arrival.
void presence_state::announce(std::string event, std::string user_json,
                              std::function<void()> then) {
  auto publish = [this, event, user_json, then](std::optional<uint64_t> users) {
    std::string payload;
    if (users && crowded(*users))
      payload = encode_published("count", {}, R"({"count":)" + std::to_string(*users) + "}",
                                 publish_options{true, 0});
    else
      payload = encode_published(event, {}, R"({"user":)" + user_json
                                              + (users ? ",\"count\":" + std::to_string(*users)
                                                       : std::string{})
                                              + "}");
    // Fire and forget: an ephemeral event lost with the broker is no loss.
    caf::anon_send(ctx.broker.command, publish_atom::value, ctx.key(), std::move(payload));
    if (then)
      then();
  };
  request(self, ctx.broker.command, request_timeout, pres_count_atom::value, ctx.key())
    .then([publish](uint64_t users) { publish(users); },
          [publish](caf::error&) { publish(std::nullopt); });
}

void presence_state::close() {
  if (closed)
    return;
  closed = true;
  leave_topic([this] { remove_connection(); });
}

void presence_state::remove_connection() {
  // Wait for the removal: `leave` must go out before this actor is gone.
  request(self, ctx.broker.command, request_timeout, pres_rm_atom::value, ctx.key(),
          ctx.socket_id())
    .then(
      [this](const std::string& last) {
        if (last.empty())
          return self->quit();
        announce("leave", last, [this] { self->quit(); });
      },
      [this](caf::error&) { self->quit(); }); // expiry will remove it
}

void presence_state::on_command(const std::string& event, const std::string& ref_json,
                                const std::string&) {
  auto ref = json::parse(ref_json, nullptr, false);
  reply(error_frame(ec::invalid_frame, "presence has no command \"" + event + "\"",
                    ref.is_discarded() ? json() : ref));
}

presence_actor::behavior_type presence(lean_pointer<presence_actor, presence_state> self,
                                      plugin_context ctx) {
  using actor = std::remove_pointer_t<decltype(self)>;
  auto beat = [](tick_atom, bool lead) { actor::running().heartbeat(lead); };
  return plugin_behavior<presence_actor>(self, std::move(ctx), beat);
}

plugin_actor spawn_presence(caf::actor_system& sys, plugin_context ctx) {
  return sys.spawn(presence, std::move(ctx));
}

} // namespace sb
