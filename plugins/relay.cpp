#include "plugins/relay.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/request.hpp"

namespace sb {

using nlohmann::json;

// --- open: join; on streams with `since`, replay what the client missed -----------

caf::result<open_result> relay_state::open() {
  auto rp = self->make_response_promise<open_result>();
  join(ctx.spec.strategy, config.events.front(), rp, [this, rp]() mutable {
    if (ctx.spec.since)
      replay_since(rp, config.events.front(), config.max_length);
    else
      rp.deliver(open_result{});
  });
  return rp;
}

caf::result<ok_atom> relay_state::start() {
  return go_live();
}

// --- commands ----------------------------------------------------------------------

void relay_state::on_command(const std::string& event, const std::string& ref_json,
                             const std::string& data_json) {
  auto ref = json::parse(ref_json, nullptr, false);
  if (ref.is_discarded())
    ref = nullptr;
  auto& allowed = config.events;
  if (std::find(allowed.begin(), allowed.end(), event) == allowed.end()) {
    std::string list;
    for (auto& e : allowed)
      list += (list.empty() ? "" : ", ") + e;
    return reply(error_frame(ec::invalid_frame,
                             ctx.spec.name + " relays " + list + "; not \"" + event + "\"", ref));
  }
  auto data = json::parse(data_json, nullptr, false);
  if (!data.is_object())
    return reply(error_frame(ec::invalid_frame, "data must be an object", ref));
  // The session's user, whatever the client put there: no one speaks for another.
  data["user"] = json::parse(ctx.user().json());
  relay(event, ref, data.dump(-1, ' ', false, json::error_handler_t::replace));
}

void relay_state::relay(const std::string& event, const json& ref, std::string data) {
  auto failed = [this, ref](caf::error& err) {
    auto code = to_ec(err);
    reply(error_frame(code, code == ec::unavailable ? "the broker is unavailable"
                                                    : "the event was not relayed",
                      ref));
    pending.end();
  };
  pending.begin();
  if (ctx.spec.strategy == strategy::streams) {
    post(event, std::move(data), config.max_length, false)
      .then(
        [this, ref](const std::string& id) {
          reply(ack_frame(ref, id));
          pending.end();
        },
        failed);
    return;
  }
  // Ephemeral: every socket on the stream but the sender's, on every node;
  // refused while this node cannot hear the channel, as chat's sends are.
  request(self, ctx.broker.command, request_timeout, publish_atom::value, ctx.key(),
                encode_published_to(event, data, {}, ctx.socket_id()), true)
    .then(
      [this, ref](uint64_t) {
        reply(ack_frame(ref));
        pending.end();
      },
      failed);
}

// --- close ---------------------------------------------------------------------------

void relay_state::close() {
  if (closed)
    return;
  closed = true;
  // Events sent before the socket closed are relayed first.
  quit_when_done();
}

plugin_actor::behavior_type relay(lean_pointer<plugin_actor, relay_state> self,
                                  plugin_context ctx, relay_config config) {
  self->state.config = std::move(config);
  return plugin_behavior<plugin_actor>(self, std::move(ctx));
}

plugin_factory relay_factory(relay_config config) {
  return configured_factory(relay, std::move(config));
}

} // namespace sb
