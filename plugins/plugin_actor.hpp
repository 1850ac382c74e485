#pragma once
// Pieces every built-in plugin actor shares: the state every plugin holds
// (its context, its topic, its catch-up, its pending commands), joining
// the topic and going live through it, binding the contract's hooks (open,
// start, command, close) to a state's methods, and turning a `since`
// replay into catch-up frames. Included by plugin .cpp files only.

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/deadline.hpp"
#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/lean_actor.hpp"
#include "core/request.hpp"
#include "plugins/pending_commands.hpp"
#include "plugins/plugin.hpp"

namespace sb {

/// The answer to open, kept while the plugin reads what it needs.
using open_promise = caf::typed_response_promise<open_result>;

/// How long a plugin waits for its broker, its connection or its topic.
constexpr auto request_timeout = std::chrono::seconds(5);

/// Catch-up for a recovered `since`: one event frame per replayed entry,
/// and the id after which live delivery continues.
struct replay_catch_up {
  std::vector<std::string> frames;
  std::string after_id;
};

inline replay_catch_up make_replay(std::string_view plugin, std::string_view stream,
                                   std::string_view default_event,
                                   const std::vector<stream_entry>& entries,
                                   std::string since) {
  replay_catch_up out{{}, std::move(since)};
  for (auto& entry : entries) {
    auto ev = decode_entry(entry, default_event);
    out.frames.push_back(event_frame(plugin, stream, ev.event, ev.id, ev.data));
    out.after_id = entry.id;
  }
  return out;
}

/// What every built-in plugin state holds and does. `Self` is the typed
/// actor pointer of the plugin (its interface may extend plugin_actor).
template <class Self>
struct plugin_base {
  Self self = nullptr;
  plugin_context ctx;
  membership_actor topic;
  /// What start sends before going live, made when opening needs it: an
  /// open plugin holds none of it (56 B inline was 2% of an idle socket).
  std::unique_ptr<replay_catch_up> first;
  pending_commands pending;          ///< commands awaiting the broker
  bool started = false;
  bool closed = false;

  /// Runs as the actor ends (the state dies in on_exit), for every reason.
  /// On this node neither the topic's shard (once this plugin activated,
  /// actors/topic_shard.cpp) nor the connection (plugin_info::tells_its_end)
  /// monitors it: each hears here what a monitor would have said, after
  /// all else this plugin sent it.
  ~plugin_base() {
    if (!self)
      return;
    caf::down_msg down{self->address(), self->fail_state()};
    if (topic && topic.node() == self->node()) // unset once left
      caf::anon_send(caf::actor_cast<caf::actor>(topic), down);
    if (ctx.connection && ctx.connection.node() == self->node())
      caf::anon_send(caf::actor_cast<caf::actor>(ctx.connection), std::move(down));
  }

  /// The catch-up being gathered while opening.
  replay_catch_up& catch_up() {
    if (!first)
      first = std::make_unique<replay_catch_up>();
    return *first;
  }
  /// The catch-up gathered, empty if none; the plugin keeps nothing of it.
  replay_catch_up take_catch_up() {
    auto taken = std::exchange(first, nullptr);
    return taken ? std::move(*taken) : replay_catch_up{};
  }

  /// Joins the key's topic (through the connection, which adds the socket)
  /// as a member with `s`; then `joined()`, or `rp` fails.
  /// pulse_ms: the topic sends this plugin `tick` that often (0: never).
  template <class F>
  void join(strategy s, std::string default_event, open_promise rp, F joined,
            uint32_t pulse_ms = 0) {
    topic_request req{ctx.key(), ctx.spec.stream, ctx.spec.name, std::move(default_event), s,
                      pulse_ms, true}; // ~plugin_base tells the shard it ended
    request(self, ctx.connection, request_timeout, join_atom::value, std::move(req))
      .then(
        [this, joined](membership_actor& t) mutable {
          topic = std::move(t);
          joined();
        },
        [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
  }

  /// Hands the catch-up to the topic, which writes it to the socket and then
  /// whatever arrived meanwhile; the promise (start's) is kept once it did.
  caf::typed_response_promise<ok_atom> go_live() {
    started = true;
    auto rp = self->template make_response_promise<ok_atom>();
    auto caught = take_catch_up();
    request(self, topic, request_timeout, activate_atom::value, std::move(caught.after_id),
            std::move(caught.frames))
      .then([rp](ok_atom) mutable { rp.deliver(ok_atom::value); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    return rp;
  }

  /// Reads what the client missed after its `since` (at most `count`
  /// entries) into the catch-up, after what it already holds; `rp` then
  /// gets what welcome says. For plugins that resume whatever was lost.
  void replay_since(open_promise rp, std::string default_event, uint64_t count) {
    auto since = ctx.spec.since->str();
    request(self, ctx.broker.command, request_timeout, replay_atom::value, ctx.key(), since, count)
      .then(
        [this, rp, since, default_event](stream_replay& r) mutable {
          auto replay = make_replay(ctx.spec.name, ctx.spec.stream, default_event, r.entries,
                                    since);
          auto& caught = catch_up();
          for (auto& frame : replay.frames)
            caught.frames.push_back(std::move(frame));
          caught.after_id = std::move(replay.after_id);
          rp.deliver(open_result{true, r.recovered});
        },
        [rp](caf::error& err) mutable { rp.deliver(make_error(to_ec(err))); });
  }

  /// Appends an event to this plugin's stream and publishes it (post_atom).
  /// live_only: refused while this node cannot hear the channel, for a
  /// pub-sub sender, whose ack would otherwise promise what no socket here
  /// gets. Never stored once this request timed out.
  auto post(std::string event, std::string data, uint64_t max_length, bool live_only) {
    return request(self, ctx.broker.command, request_timeout, post_atom::value, ctx.key(),
                         std::move(event), std::move(data), max_length, live_only,
                         deadline_ms(request_timeout));
  }

  /// A frame for this socket only (an ack, an error).
  void reply(std::string frame) {
    self->send(ctx.connection, write_atom::value, std::move(frame));
  }

  /// Leaves the topic (when joined) and runs `then` once the topic let go:
  /// from then on it writes nothing more to this plugin's socket, so the
  /// connection may answer an unsubscribe as soon as the plugin is down.
  template <class F>
  void leave_topic(F then) {
    if (!topic)
      return then();
    request(self, topic, request_timeout, leave_atom::value)
      .then(
        [this, then](ok_atom) mutable {
          topic = membership_actor{}; // gone: nothing to tell the shard at the end
          then();
        },
        [then](caf::error&) mutable { then(); });
  }

  /// Leaves the topic and quits once no command is pending (close's end).
  void quit_when_done() {
    pending.when_done([this] { leave_topic([this] { self->quit(); }); });
  }
};

/// The factory of a plugin defined at start: spawns `fn(ctx, config)` for
/// each spec naming it; `config` is a value, like the context.
template <class Fn, class Config>
plugin_factory configured_factory(Fn fn, Config config) {
  return [fn, config](caf::actor_system& sys, plugin_context ctx) -> plugin_actor {
    return sys.spawn(fn, std::move(ctx), config);
  };
}

/// The behavior of a plugin whose State has `open()`, `start()`,
/// `on_command(event, ref, data)` and `close()`, plus `Extra` handlers (for
/// the messages its Handle adds to plugin_actor; captureless, they reach
/// the state through lean_actor's running()). One behavior serves every
/// instance (core/lean_actor). The plugin closes itself when its
/// connection goes away without closing it (a down_msg: the connection's
/// own notice on this node, a monitor's from another).
template <class Handle, class State, class... Extra>
typename Handle::behavior_type plugin_behavior(lean_pointer<Handle, State> self,
                                               plugin_context ctx, Extra... extra) {
  static_assert((std::is_empty<Extra>::value && ...), "shared handlers capture nothing");
  using actor = std::remove_pointer_t<decltype(self)>;
  auto& st = self->state;
  st.self = self;
  st.ctx = std::move(ctx);
  // A connection on this node tells its plugins when it ends (from
  // connection_state's destructor); only one on another node is monitored.
  // A monitor costs the connection 48 B per plugin for as long as the
  // socket lives.
  if (st.ctx.connection.node() != self->node())
    self->monitor(st.ctx.connection);
  self->set_down_handler([&st](caf::down_msg&) { st.close(); });
  static const typename Handle::behavior_type shared{
    [](open_atom) { return actor::running().open(); },
    [](start_atom) { return actor::running().start(); },
    [](command_atom, const std::string& event, const std::string& ref,
       const std::string& data) { actor::running().on_command(event, ref, data); },
    [](close_atom) { actor::running().close(); },
    std::move(extra)...,
  };
  return shared;
}

} // namespace sb
