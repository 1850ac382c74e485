#include "plugins/chat.hpp"
#include "plugins/notifications.hpp"
#include "plugins/presence.hpp"
#include "plugins/plugin.hpp"

namespace sb {

void plugin_registry::add(plugin_info info) {
  auto name = info.name;
  plugins_.insert_or_assign(std::move(name), std::move(info));
}

const plugin_info* plugin_registry::find(std::string_view name) const {
  auto i = plugins_.find(name);
  return i == plugins_.end() ? nullptr : &i->second;
}

bool plugin_registry::place_on_workers(std::string_view name) {
  auto i = plugins_.find(name);
  if (i == plugins_.end())
    return false;
  i->second.on_worker = true;
  return true;
}

void register_builtin_plugins(plugin_registry& registry) {
  registry.add(base_plugin("chat", "message", spawn_chat));
  registry.add(base_plugin("presence", "join", spawn_presence));
  registry.add(base_plugin("notifications", "notification", spawn_notifications));
}

} // namespace sb
