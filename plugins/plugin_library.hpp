#pragma once
// A shared library of C++ plugins (`plugins.load`), opened at start-up:
// dlopen, then its one entry point (include/switchboard/plugin.hpp) is read
// and checked: the API version it was built against, each plugin's name
// and factory. A library stays loaded until the process exits: actors run
// its code until then. main() loads them before anything starts and exits
// with 2 on any error; the node registers what they hold.
//
// The process keeps a table of what it loaded: a hosted instance finds its
// plugin's code there by name, so what it is given (hosted_def) is plain
// data that names the plugin, valid on any node that loaded the library.

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <switchboard/plugin.hpp>

namespace sb {

/// One plugin of a library.
struct library_plugin {
  std::string name;
  std::string default_event;
  switchboard::factory init = nullptr;
  std::string file; ///< the library, for logs
};

/// Opens `file` and reads its plugins (and adds them to this process's
/// table); otherwise a one-line error that names the file (with dlerror()
/// when the loader failed). Called before any actor runs.
std::variant<std::vector<library_plugin>, std::string> load_plugin_library(const std::string& file);

/// Every library of `files`, in order; the first error stops.
std::variant<std::vector<library_plugin>, std::string>
load_plugin_libraries(const std::vector<std::string>& files);

/// The plugin `name` of a library this process loaded, or null.
const library_plugin* find_loaded_plugin(std::string_view name);

} // namespace sb
