#include "config/option_sources.hpp"

#include <algorithm>
#include <cctype>
#include <set>
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

/// SWITCHBOARD_PLUGINS_VOTES_PROXY -> plugins.votes.proxy: the variables of
/// wildcard options, whose names an operator chooses. Suffixes are tried
/// longest first (_MAX_LENGTH before a shorter one that might end it).
std::optional<std::string> wildcard_key(const std::string& var) {
  std::vector<const option_def*> defs;
  for (auto& o : option_table())
    if (is_wildcard(o))
      defs.push_back(&o);
  std::sort(defs.begin(), defs.end(), [](auto* a, auto* b) { return a->key.size() > b->key.size(); });
  for (auto* o : defs) {
    auto star = o->key.find('*');
    auto prefix = env_name(o->key.substr(0, star));  // SWITCHBOARD_PLUGINS_
    auto suffix = env_name(o->key.substr(star + 1)).substr(env_prefix.size()); // _PROXY
    if (var.size() <= prefix.size() + suffix.size() || var.compare(0, prefix.size(), prefix) != 0
        || var.compare(var.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string name = var.substr(prefix.size(), var.size() - prefix.size() - suffix.size());
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto key = instance_key(*o, name);
    if (find_option(key) == o)
      return key;
  }
  return std::nullopt;
}

/// Every name given to a group's wildcard options (`plugins.votes`,
/// `consumers.archive`) gets all of that group's, at their defaults unless
/// set: readers and print-config find each one.
void complete_wildcards(option_values& out) {
  std::set<std::pair<std::string, std::string>> sections; // (group, name)
  for (auto& [key, value] : out.values)
    if (auto name = instance_of(key); !name.empty())
      sections.emplace(group_of(key), name);
  for (auto& [group, name] : sections)
    for (auto& o : option_table())
      if (is_wildcard(o) && group_of(o.key) == group)
        out.values.emplace(instance_key(o, name), option_value{std::string{o.fallback}, "default"});
}

} // namespace

std::variant<option_values, std::string> gather_options(const command_line& cl,
                                                        const char* const* env) {
  option_values out;
  for (auto& o : option_table())
    if (!is_wildcard(o))
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
    if (auto i = vars.find(name); !is_wildcard(o) && i != vars.end()) {
      out.values[std::string{o.key}] = {i->second, name};
      vars.erase(i);
    }
  }
  for (auto i = vars.begin(); i != vars.end();) {
    auto key = wildcard_key(i->first);
    if (!key) {
      ++i;
      continue;
    }
    out.values[*key] = {i->second, i->first};
    i = vars.erase(i);
  }
  vars.erase(std::string{config_file_env});
  for (auto& [name, value] : vars)
    out.warnings.push_back("ignoring the environment variable " + name
                           + ": no option has that name");
  for (auto& f : cl.options)
    out.values[f.key] = {f.value, "--" + f.key};
  complete_wildcards(out);
  return out;
}

} // namespace sb
