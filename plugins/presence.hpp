#pragma once
// The presence plugin (PROTOCOL §4): who is online on a stream across all
// nodes. Each instance registers its socket as one connection of its user
// in the broker (a hash of connections, a sorted set of expiry times, a
// count per user; atomic by Lua on Redis), refreshes it every ttl/3 when
// its topic pulses (one timer per room, not per instance), and sweeps
// connections whose node died. `join` goes out for a user's first
// connection anywhere, `leave` for their last, through `<stream>:presence`,
// both with the room's user count. A room above presence.max-list gets a
// count instead of the list, and coalesced `count` events instead of them.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <functional>

#include "core/lean_actor.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

struct presence_state : plugin_base<presence_actor::stateful_pointer<presence_state>> {
  static inline const char* name = "presence";

  caf::result<open_result> open();
  void register_connection(open_promise rp);
  void read_state(open_promise rp);
  void read_list(open_promise rp, uint64_t users);
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  /// Refreshes this connection; `sweep`: also removes dead nodes' users.
  void heartbeat(bool sweep);
  void publish_leaves(const std::vector<std::string>& users);
  void announce(std::string event, std::string user_json, std::function<void()> then = {});
  bool crowded(uint64_t users) const;
  void close();
  void remove_connection();
  uint64_t expiry() const;

  /// This socket as the broker's presence commands name it; built when
  /// needed from the context's identity (kept, it cost 160 B an instance).
  presence_conn conn() const;
  bool first = false;  ///< this socket is its user's first connection
};

presence_actor::behavior_type presence(lean_pointer<presence_actor, presence_state> self,
                                      plugin_context ctx);
plugin_actor spawn_presence(caf::actor_system& sys, plugin_context ctx);

/// `{"users":[{"id","name","connections"}...]}` for the `state` event and
/// the /api/presence route.
std::string presence_users_json(const std::vector<presence_user>& users);

} // namespace sb
