#pragma once
// The plugins a node offers: the built-ins, the relays and proxies of the
// configuration (`[plugins.<name>]`), and the plugins of the libraries in
// `plugins.load`, all in one registry under distinct names. main() builds
// it before the node starts, so a clash stops start-up (exit 2). The node
// spawns the backend actor for the proxies' routes.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/settings.hpp"
#include "plugins/backend.hpp"
#include "plugins/plugin.hpp"
#include "plugins/plugin_library.hpp"

namespace sb {

struct plugin_set {
  std::shared_ptr<plugin_registry> registry;
  /// Where each proxy's hooks go; empty without proxies.
  std::vector<backend_route> backend_routes;
  /// One line per custom plugin, for the start-up log.
  std::vector<std::string> described;
};

/// The node's (or a worker's) plugins: libraries loaded, names checked.
/// Errors are one line for stderr (exit 2), like a bad option.
std::variant<plugin_set, std::string> load_plugin_set(const settings& config);

/// The registry, or a one-line error naming the clash and where it was set.
std::variant<plugin_set, std::string> make_plugin_set(const settings& config,
                                                      const std::vector<library_plugin>& loaded);

} // namespace sb
