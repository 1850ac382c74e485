#include "actors/plugin_setup.hpp"

#include "plugins/hosted_plugin.hpp"
#include "plugins/proxy.hpp"
#include "plugins/relay.hpp"

namespace sb {

namespace {

std::string list_text(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items)
    out += (out.empty() ? "" : ",") + i;
  return out.empty() ? "(any)" : out;
}

backend_route route_of(const custom_plugin_settings& p, const settings& config) {
  return {p.name,
          p.proxy_host,
          p.proxy_port,
          p.proxy_target,
          config.api_key.empty() ? std::string{} : "Bearer " + config.api_key,
          p.timeout};
}

} // namespace

std::variant<plugin_set, std::string> make_plugin_set(const settings& config,
                                                      const std::vector<library_plugin>& loaded) {
  plugin_set out;
  out.registry = std::make_shared<plugin_registry>();
  auto& registry = *out.registry;
  register_builtin_plugins(registry);
  for (auto& p : config.custom_plugins) {
    if (registry.find(p.name) != nullptr)
      return p.origin + ": plugins." + p.name + ": a built-in plugin has that name";
    if (p.kind == custom_kind::relay) {
      registry.add(
        base_plugin(p.name, p.events.front(), relay_factory({p.events, p.max_length})));
      out.described.push_back(p.name + ": relay of " + list_text(p.events));
      continue;
    }
    proxy_config proxy{p.events, p.timeout, p.max_length};
    registry.add(base_plugin(p.name, proxy.default_event(), proxy_factory(proxy)));
    out.backend_routes.push_back(route_of(p, config));
    out.described.push_back(p.name + ": proxy to " + p.proxy_url + " for "
                            + list_text(p.events)
                            + (config.api_key.empty() ? " (no api.key: sent without Authorization)"
                                                      : ""));
  }
  for (auto& p : loaded) {
    if (registry.find(p.name) != nullptr)
      return "plugin library " + p.file + ": a plugin named " + p.name
             + " is already defined (built in, configured or in an earlier library)";
    registry.add(base_plugin(p.name, p.default_event,
                             hosted_factory({p.name, p.default_event, p.file})));
    out.described.push_back(p.name + ": from " + p.file);
  }
  for (auto& name : config.worker_plugins)
    if (!registry.place_on_workers(name))
      return "plugins." + name + ".placement: there is no plugin " + name
             + " (built in, configured or loaded)";
  return out;
}

std::variant<plugin_set, std::string> load_plugin_set(const settings& config) {
  auto loaded = load_plugin_libraries(config.plugin_libraries);
  if (auto err = std::get_if<std::string>(&loaded))
    return *err;
  return make_plugin_set(config, std::get<std::vector<library_plugin>>(loaded));
}

} // namespace sb
