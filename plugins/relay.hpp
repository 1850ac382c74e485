#pragma once
// A relay plugin (`plugins.<name>.relay = true`): client events with no
// server code. It passes the events its configuration lists to the other
// sockets on the stream, with the sender's user (from the session, never
// the client) stamped into `data.user`. On `pub-sub` an event is ephemeral:
// one PUBLISH that skips the sending socket. On `streams` it is stored
// (XADD MAXLEN ~ max_length) and reaches every `streams` member, the sender
// too, with its id: the stream is everyone's log, resumable with `since`.
// One actor per (socket, stream); it talks to its connection, its topic
// and the broker command role, like chat.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/lean_actor.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

/// What `[plugins.<name>]` says about a relay.
struct relay_config {
  std::vector<std::string> events; ///< the client events it passes on
  uint64_t max_length = 1000;      ///< MAXLEN ~ of `<stream>:<name>` on streams
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, relay_config& x) {
  return f(caf::meta::type_name("relay_config"), x.events, x.max_length);
}

struct relay_state : plugin_base<plugin_actor::stateful_pointer<relay_state>> {
  static inline const char* name = "relay";

  relay_config config;

  caf::result<open_result> open();
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void relay(const std::string& event, const nlohmann::json& ref, std::string data);
  void close();
};

plugin_actor::behavior_type relay(lean_pointer<plugin_actor, relay_state> self,
                                  plugin_context ctx, relay_config config);

/// Spawns a relay with `config` for each spec naming it.
plugin_factory relay_factory(relay_config config);

} // namespace sb
