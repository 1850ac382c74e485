#pragma once
// The notifications plugin (PROTOCOL §4): backends append to (or publish
// on) `<stream>:notifications`; subscribers get `notification` events with
// ids, unread ones as `history` on start (`streams`), and mark them read
// with `read {"id"}`, which moves a per-user mark in
// `<stream>:notifications:read` and tells the user's other sockets.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/lean_actor.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

struct notifications_state
  : plugin_base<plugin_actor::stateful_pointer<notifications_state>> {
  static inline const char* name = "notifications";

  caf::result<open_result> open();
  void read_unread(open_promise rp, open_result result);
  void read_replay(open_promise rp);
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void mark_read(const nlohmann::json& ref, const nlohmann::json& data);
  void close();
  void leave();
};

plugin_actor::behavior_type
notifications(lean_pointer<plugin_actor, notifications_state> self, plugin_context ctx);
plugin_actor spawn_notifications(caf::actor_system& sys, plugin_context ctx);

} // namespace sb
