#include <nlohmann/json.hpp>

#include "plugins/chat.hpp"
#include "plugins/notifications.hpp"
#include "plugins/presence.hpp"
#include "plugins/plugin.hpp"

namespace sb {

std::string user_info::json() const {
  return nlohmann::json{{"id", id}, {"name", name}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

void plugin_registry::add(plugin_info info) {
  auto name = info.name;
  plugins_.insert_or_assign(std::move(name), std::move(info));
}

const plugin_info* plugin_registry::find(std::string_view name) const {
  auto i = plugins_.find(name);
  return i == plugins_.end() ? nullptr : &i->second;
}

void register_builtin_plugins(plugin_registry& registry) {
  registry.add({"chat", "message", spawn_chat});
  registry.add({"presence", "join", spawn_presence});
  registry.add({"notifications", "notification", spawn_notifications});
}

} // namespace sb
