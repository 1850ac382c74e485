#pragma once
// The actor that hosts one instance of a plugin from a shared library
// (include/switchboard/plugin.hpp): one per (socket, plugin, stream), like
// the built-ins, and a plugin_actor like them, so the connection cannot
// tell the difference. It turns the seed's hooks into calls on the
// instance (open -> open(done), command -> message, close -> close) and
// the instance's calls on its context into messages: frames to its
// connection, requests to the broker command role, catch-up to its topic.
// Their answers come back to the instance as callbacks on this actor. It is
// given the plugin's name (hosted_def) and finds the library's code in the
// table of loaded libraries (plugins/plugin_library).

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/lean_actor.hpp"
#include "plugins/plugin_actor.hpp"
#include "plugins/plugin_library.hpp"

namespace sb {

/// Which loaded plugin an instance runs: plain data, valid on every node
/// that loaded the same library.
struct hosted_def {
  std::string name;
  std::string default_event;
  std::string file; ///< the library, for logs
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hosted_def& x) {
  return f(caf::meta::type_name("hosted_def"), x.name, x.default_event, x.file);
}

struct hosted_state : plugin_base<hosted_plugin_actor::stateful_pointer<hosted_state>> {
  static inline const char* name = "hosted_plugin";

  hosted_def def;
  switchboard::factory init = nullptr; ///< from this process's table; null: not loaded here
  switchboard::user session_user;
  std::string user_json;
  std::string key; ///< the API hands out a reference to it
  std::string since;
  std::shared_ptr<switchboard::context> api;     ///< what the instance calls (its deleter knows the type)
  std::unique_ptr<switchboard::plugin> instance; ///< destroyed before api
  bool recovered = false;  ///< the last replay during open found no gap
  bool activating = false; ///< the catch-up went to the topic
  bool refused = false;    ///< open failed: the instance gets no close()
  bool live = false;       ///< the topic wrote it: frames go to the socket
  std::vector<std::string> held; ///< frames sent while activating
  struct timer {
    std::function<void()> fn;
    bool internal = false; ///< a callback due (later()), not context::after
  };
  std::unordered_map<uint64_t, timer> timers;
  uint64_t last_timer = 0;

  // --- the hooks ---
  caf::result<open_result> open();
  void open_instance(open_promise rp);
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void on_tick(uint64_t id);
  void close();

  // --- what the context does for the instance ---
  void send_event(const std::string& event, const std::string& data, const std::string& id);
  void publish(const std::string& event, const std::string& data, bool others_only,
               std::function<void(switchboard::outcome)> done);
  void append(const std::string& event, const std::string& data, uint64_t max_length,
              std::function<void(switchboard::outcome)> done);
  void history(uint64_t count,
               std::function<void(switchboard::outcome, std::vector<switchboard::entry>)> done);
  void replay(const std::string& after, uint64_t count,
              std::function<void(switchboard::outcome, std::vector<switchboard::entry>, bool)> done);
  void after(std::chrono::milliseconds delay, std::function<void()> fn);

  /// Runs a call into the plugin's code; false (logged) when it threw.
  bool guarded(const char* hook, const std::function<void()>& fn);
  /// Calls `fn` on this actor soon, not inside the caller's call.
  void later(std::function<void()> fn);
  /// False (and `done` is told, later) when `data` is not JSON.
  bool valid_data(const std::string& data, const std::function<void(switchboard::outcome)>& done);
};

hosted_plugin_actor::behavior_type hosted_plugin(lean_pointer<hosted_plugin_actor, hosted_state> self,
                                                 plugin_context ctx, hosted_def def);

/// Spawns a hosted instance of `def` for each spec naming it.
plugin_factory hosted_factory(hosted_def def);

} // namespace sb
