#include "plugins/plugin_library.hpp"

#include <dlfcn.h>
#include <set>

#include "core/plugin_spec.hpp"

namespace sb {

namespace {

using entry_point = const switchboard::module* (*)();

/// What this process loaded. Written before any actor runs, read after.
std::vector<library_plugin>& loaded_table() {
  static std::vector<library_plugin> table;
  return table;
}

std::string loader_error() {
  auto* why = ::dlerror();
  return why != nullptr ? why : "unknown error";
}

std::variant<std::vector<library_plugin>, std::string>
read_module(const std::string& file, const switchboard::module* m) {
  if (m == nullptr)
    return "plugin library " + file + ": " SWITCHBOARD_PLUGIN_ENTRY "() returned no module";
  if (m->api_version != SWITCHBOARD_PLUGIN_API_VERSION)
    return "plugin library " + file + " was built against plugin API version "
           + std::to_string(m->api_version) + ", this server has version "
           + std::to_string(SWITCHBOARD_PLUGIN_API_VERSION)
           + ": rebuild it against this server's switchboard/plugin.hpp";
  if (m->count == 0 || m->plugins == nullptr)
    return "plugin library " + file + " lists no plugins";
  std::vector<library_plugin> out;
  std::set<std::string> names;
  for (uint32_t i = 0; i < m->count; ++i) {
    auto& def = m->plugins[i];
    std::string name = def.name != nullptr ? def.name : "";
    if (!valid_plugin_name(name))
      return "plugin library " + file + ": \"" + name
             + "\" is not a plugin name ([a-z][a-z0-9_]*, at most 32 characters)";
    if (def.init == nullptr)
      return "plugin library " + file + ": plugin " + name + " has no init function";
    if (!names.insert(name).second)
      return "plugin library " + file + " lists plugin " + name + " twice";
    std::string event = def.default_event != nullptr ? def.default_event : "";
    out.push_back({name, event.empty() ? "message" : event, def.init, file});
  }
  return out;
}

} // namespace

std::variant<std::vector<library_plugin>, std::string> load_plugin_library(const std::string& file) {
  // Never closed: actors run the library's code until the process exits.
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    return "cannot load plugin library " + file + ": " + loader_error();
  ::dlerror();
  auto entry = reinterpret_cast<entry_point>(::dlsym(handle, SWITCHBOARD_PLUGIN_ENTRY));
  if (entry == nullptr)
    return "plugin library " + file + " has no " SWITCHBOARD_PLUGIN_ENTRY " entry point ("
           + loader_error() + "): is it built with SWITCHBOARD_PLUGINS(...)?";
  auto plugins = read_module(file, entry());
  if (auto list = std::get_if<std::vector<library_plugin>>(&plugins))
    for (auto& p : *list)
      if (!find_loaded_plugin(p.name))
        loaded_table().push_back(p);
  return plugins;
}

const library_plugin* find_loaded_plugin(std::string_view name) {
  for (auto& p : loaded_table())
    if (p.name == name)
      return &p;
  return nullptr;
}

std::variant<std::vector<library_plugin>, std::string>
load_plugin_libraries(const std::vector<std::string>& files) {
  std::vector<library_plugin> all;
  for (auto& file : files) {
    auto loaded = load_plugin_library(file);
    if (auto err = std::get_if<std::string>(&loaded))
      return *err;
    for (auto& p : std::get<std::vector<library_plugin>>(loaded))
      all.push_back(std::move(p));
  }
  return all;
}

} // namespace sb
