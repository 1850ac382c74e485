#pragma once
// Pieces every built-in plugin actor shares: binding the contract's hooks
// (open, start, command, close) to a state's methods, and turning a `since`
// replay into catch-up frames. Included by plugin .cpp files only.

#include <caf/all.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "actors/envelope.hpp"
#include "plugins/plugin.hpp"
#include "redis/event_codec.hpp"

namespace sb {

/// The behavior of a plugin whose State has `self`, `ctx`, `open()`,
/// `start()`, `on_command(event, ref, data)` and `close()`. The plugin
/// closes itself when its connection goes away without saying so.
template <class State, class... Extra>
caf::behavior plugin_behavior(caf::stateful_actor<State>* self, plugin_context ctx,
                              Extra... extra) {
  auto& st = self->state;
  st.self = self;
  st.ctx = std::move(ctx);
  self->monitor(st.ctx.connection);
  self->set_down_handler([&st](caf::down_msg&) { st.close(); });
  return {
    [&st](open_atom) { return st.open(); },
    [&st](start_atom) {
      st.start();
      return ok_atom::value;
    },
    [&st](command_atom, const std::string& event, const std::string& ref,
          const std::string& data) { st.on_command(event, ref, data); },
    [&st](close_atom) { st.close(); },
    std::move(extra)...,
  };
}

/// Leaves `topic` (when joined) and runs `then` once the topic let go: from
/// then on the topic writes nothing more to this plugin's socket, so the
/// connection may answer an unsubscribe when the plugin is down.
template <class State, class F>
void leave_topic(caf::stateful_actor<State>* self, const caf::actor& topic, F then) {
  if (!topic)
    return then();
  self->request(topic, std::chrono::seconds(5), leave_atom::value, caf::actor_cast<caf::actor>(self))
    .then([then](ok_atom) mutable { then(); }, [then](caf::error&) mutable { then(); });
}

/// Catch-up for a recovered `since`: one event frame per replayed entry,
/// and the id after which live delivery continues.
struct replay_catch_up {
  std::vector<frame_ptr> frames;
  std::string after_id;
};

inline replay_catch_up make_replay(std::string_view plugin, std::string_view stream,
                                   std::string_view default_event,
                                   const std::vector<stream_entry>& entries,
                                   std::string since) {
  replay_catch_up out{{}, std::move(since)};
  for (auto& entry : entries) {
    auto ev = decode_entry(entry, default_event);
    out.frames.push_back(make_frame(event_frame(plugin, stream, ev.event, ev.id, ev.data)));
    out.after_id = entry.id;
  }
  return out;
}

} // namespace sb
