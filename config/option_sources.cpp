#include "config/option_sources.hpp"

#include <string_view>

#include "config/ini_reader.hpp"
#include "config/option_table.hpp"

namespace sb {

namespace {

constexpr std::string_view env_prefix = "SWITCHBOARD_";
constexpr std::string_view config_file_env = "SWITCHBOARD_CONFIG_FILE";

/// NAME -> VALUE for every SWITCHBOARD_ variable.
std::map<std::string, std::string> switchboard_environment(const char* const* env) {
  std::map<std::string, std::string> out;
  for (; env != nullptr && *env != nullptr; ++env) {
    std::string_view entry{*env};
    auto eq = entry.find('=');
    if (entry.substr(0, env_prefix.size()) == env_prefix && eq != std::string_view::npos)
      out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

} // namespace

std::variant<option_values, std::string> gather_options(const command_line& cl,
                                                        const char* const* env) {
  option_values out;
  for (auto& o : option_table())
    out.values.emplace(std::string{o.key}, option_value{std::string{o.fallback}, "default"});
  auto vars = switchboard_environment(env);
  out.config_file = cl.config_file;
  if (!out.config_file)
    if (auto i = vars.find(std::string{config_file_env}); i != vars.end() && !i->second.empty())
      out.config_file = i->second;
  if (out.config_file) {
    auto ini = read_ini(*out.config_file);
    if (auto err = std::get_if<std::string>(&ini))
      return *err;
    for (auto& v : std::get<std::vector<ini_value>>(ini))
      out.values[v.key] = {v.text, *out.config_file + ":" + std::to_string(v.line)};
  }
  for (auto& o : option_table()) {
    auto name = env_name(o.key);
    if (auto i = vars.find(name); i != vars.end()) {
      out.values[std::string{o.key}] = {i->second, name};
      vars.erase(i);
    }
  }
  vars.erase(std::string{config_file_env});
  for (auto& [name, value] : vars)
    out.warnings.push_back("ignoring the environment variable " + name
                           + ": no option has that name");
  for (auto& f : cl.options)
    out.values[f.key] = {f.value, "--" + f.key};
  return out;
}

} // namespace sb
