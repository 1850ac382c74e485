#pragma once
// The plugin contract. A plugin is a factory registered under a name; for
// each spec on a socket the connection actor spawns one plugin actor with a
// plugin_context. The actor receives the hooks as messages (see
// actors/messages.hpp): open -> open_result, start, command, close.
// Adding a plugin = one file pair plus one line in register_builtin_plugins.

#include <caf/fwd.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "actors/messages.hpp"
#include "config/settings.hpp"
#include "plugins/spec.hpp"

namespace sb {

/// The session's user (PROTOCOL §6). Never taken from a client frame.
struct user_info {
  std::string id;
  std::string name;

  /// `{"id":...,"name":...}`
  std::string json() const;
};

struct plugin_context {
  std::string socket_id;
  user_info user;
  plugin_spec spec;
  std::string key;           ///< `<stream>:<plugin>`
  caf::actor connection;     ///< monitored: the plugin quits when it goes
  sink_ptr sink;             ///< the socket: acks, errors, catch-up frames
  caf::actor topics;         ///< the topic registry
  broker_handles broker;
  std::shared_ptr<const settings> config;
};

using plugin_factory = caf::actor (*)(caf::actor_system& sys, plugin_context ctx);

struct plugin_info {
  std::string name;
  /// The event name of stream entries and published payloads that do not
  /// name one (backends that XADD `data` only).
  std::string default_event;
  plugin_factory spawn;
};

class plugin_registry {
public:
  void add(plugin_info info);
  const plugin_info* find(std::string_view name) const;

private:
  std::map<std::string, plugin_info, std::less<>> plugins_;
};

/// Registers chat (and, as they land, presence and notifications).
void register_builtin_plugins(plugin_registry& registry);

} // namespace sb
