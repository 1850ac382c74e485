#pragma once
// The plugin contract. A plugin is a factory registered under a name; for
// each spec on a socket the connection actor spawns one plugin actor with a
// plugin_context. The actor is a plugin_actor (core/actors.hpp): it gets
// the seed's hooks as messages (open -> open_result, start, command,
// close), writes to its socket through its connection and joins its key's
// topic through it too. Its context holds nothing local to this process,
// so a plugin can run on another node. Adding a plugin = one file pair
// plus one line in register_builtin_plugins. Plugins defined at start
// (relays, proxies, shared libraries: actors/plugin_setup) register a
// factory that holds their configuration, by value and serializable too.

#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/actors.hpp"
#include "plugins/spec.hpp"

namespace sb {

using plugin_factory = std::function<plugin_actor(caf::actor_system& sys, plugin_context ctx)>;

struct plugin_info {
  std::string name;
  /// The event name of stream entries and published payloads that do not
  /// name one (backends that XADD `data` only).
  std::string default_event;
  plugin_factory spawn;
  /// `plugins.<name>.placement = worker`: instances run on a worker
  /// (actors/worker_pool), not in the connection's process.
  bool on_worker = false;
  /// Built on plugin_base (plugins/plugin_actor.hpp): an instance on the
  /// connection's node tells the connection itself when it ends, so the
  /// connection does not monitor it (a monitor costs 48 B per plugin for
  /// as long as the socket lives). Other plugins are monitored.
  bool tells_its_end = false;
};

/// A plugin built on plugin_base: every built-in, relay, proxy and
/// library plugin.
inline plugin_info base_plugin(std::string name, std::string default_event,
                               plugin_factory spawn) {
  return {std::move(name), std::move(default_event), std::move(spawn), false, true};
}

class plugin_registry {
public:
  void add(plugin_info info);
  const plugin_info* find(std::string_view name) const;
  /// Marks `name` as running on workers; false when there is no such plugin.
  bool place_on_workers(std::string_view name);

private:
  std::map<std::string, plugin_info, std::less<>> plugins_;
};

/// Registers chat (and, as they land, presence and notifications).
void register_builtin_plugins(plugin_registry& registry);

} // namespace sb
