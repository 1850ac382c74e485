#pragma once
// A proxy plugin (`plugins.<name>.proxy = http://...`): a plugin whose
// behaviour lives in the application's backend, in any language. On open,
// on each client command and on close it POSTs the hook (plugins/
// backend_hook) through the node's backend actor (plugins/backend), which
// adds `Authorization: Bearer <api.key>`, and does what the answer says:
// accept or refuse the spec, ack or fail the command, send events to this
// socket, broadcast events to the stream (stored on `streams`, published
// on `pub-sub`). One actor per (socket, stream), like chat; its context
// and configuration are values, so it may run on any node.
//
// A socket's hooks reach the backend one at a time, in order (open, each
// command, close), like a Phoenix channel's handle_in: a backend never
// sees `stop` before `start`. A slow backend holds up only the commands
// queued behind it on this socket and plugin, never another socket or
// plugin, and every hook is bounded by the plugin's timeout.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/lean_actor.hpp"
#include "plugins/backend_hook.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

/// What `[plugins.<name>]` says about a proxy, as the instances see it.
/// Where the backend is, and the key, only the backend actor knows.
struct proxy_config {
  std::vector<std::string> events;         ///< client events it accepts; empty = all
  std::chrono::milliseconds timeout{5000}; ///< the backend's, per hook
  uint64_t max_length = 1000;              ///< MAXLEN ~ of broadcasts stored on streams

  /// The event of stored entries that name none.
  std::string default_event() const { return events.empty() ? "message" : events.front(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proxy_config& x) {
  return f(caf::meta::type_name("proxy_config"), x.events, x.timeout, x.max_length);
}

/// Commands waiting for the backend on one socket beyond which new ones
/// are refused at once (`unavailable`): the backend is not keeping up.
constexpr size_t max_queued_hooks = 32;

struct proxy_state : plugin_base<plugin_actor::stateful_pointer<proxy_state>> {
  static inline const char* name = "proxy";

  /// A hook waiting for its turn; `then` gets the answer.
  struct hook_call {
    std::string body;
    std::function<void(backend_response&)> then;
    bool is_close = false;
    nlohmann::json ref; ///< a command's ref, to fail it unsent
  };

  proxy_config config;
  bool opened = false;                      ///< the backend accepted the spec
  std::vector<hook_event> open_broadcasts;  ///< from the open answer, sent at start
  std::deque<hook_call> queue;              ///< hooks after the one in flight
  bool calling = false;                     ///< a hook is with the backend

  caf::result<open_result> open();
  void on_open_answer(open_promise rp, backend_response& res);
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void on_command_answer(const nlohmann::json& ref, backend_response& res);
  void close();

  /// Queues a hook; `then` runs on this actor with the answer. Counted as
  /// pending: close waits for it.
  void call(std::string body, std::function<void(backend_response&)> then, bool is_close = false,
            nlohmann::json ref = nullptr);
  /// Sends the next queued hook, if none is in flight.
  void next();
  void answered(hook_call& call, backend_response& res);
  /// The answer, or the error code and message the client gets instead.
  std::variant<hook_answer, std::pair<ec, std::string>> read_answer(const backend_response& res);
  /// Stores (streams) or publishes (pub-sub) each event in order; `done`
  /// gets the id of the last one stored, or the first error.
  void broadcast(std::vector<hook_event> events,
                 std::function<void(const std::string&, std::optional<ec>)> done);
  std::vector<std::string> frames_of(const std::vector<hook_event>& events) const;
};

plugin_actor::behavior_type proxy(lean_pointer<plugin_actor, proxy_state> self,
                                  plugin_context ctx, proxy_config config);

/// Spawns a proxy with `config` for each spec naming it.
plugin_factory proxy_factory(proxy_config config);

} // namespace sb
