#include "config/config_printer.hpp"

#include <set>
#include <sstream>

#include "config/option_table.hpp"
#include "config/value_parser.hpp"

namespace sb {

namespace {

constexpr const char* usage = R"(Usage: switchboard [COMMAND] [--config-file=FILE] [--OPTION=VALUE ...]

Commands:
  run             serve (the default when no command is given)
  check-config    validate the configuration; exit 0 when valid, 2 otherwise
  print-config    print the effective configuration and where each value
                  comes from, secrets masked (also --dump-config)
  token           print an HS256 token signed with auth.secret, for
                  development and scripts: token --sub u42 [--name Ada]
                  [--streams 'room:*,user:u42'] [--ttl 1h]
  ctl             inspect a running node through its admin.port:
                  ctl --node 127.0.0.1:9090 [--json] stats|sockets|topics|
                  kick SOCKET [REASON]|disconnect-user USER|config|workers
                  (ctl --help says more)
  worker          serve no HTTP; host the plugin instances of a node whose
                  plugins.NAME.placement is worker: worker --join HOST:PORT
                  (that node's admin.host:admin.port; TLS with admin.certificate,
                  admin.key and admin.ca of this process's configuration);
                  and run the stream consumers of [consumers.NAME], with or
                  without --join
  version         print the versions of switchboard and its libraries
                  (also --version)
  help            print this text (also --help)

Each option takes the first value found in: the command line
(--http.port=9000 or --http.port 9000), the environment (SWITCHBOARD_HTTP_PORT:
SWITCHBOARD_ and the option in upper case, dots and dashes as underscores),
the INI file, the default. Durations take a unit: 500ms, 10s, 1min, 1h.

  --config-file=FILE           the INI file to read (or SWITCHBOARD_CONFIG_FILE);
                               none by default; caf-application.ini is never read
)";

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string shown(const option_def& o, const std::string& value) {
  if (o.kind == value_kind::list) {
    // Always the INI's list form: items with commas or spaces stay whole.
    std::string out = "[";
    for (const auto& item : parse_list(value).value_or(std::vector<std::string>{}))
      out += (out.size() > 1 ? ", " : "") + quoted(item);
    return out + "]";
  }
  return o.kind == value_kind::text ? quoted(value) : value;
}

/// `plugins.*.relay` as --help shows it: `plugins.NAME.relay`.
std::string display_key(const option_def& o) {
  std::string key{o.key};
  if (auto star = key.find('*'); star != std::string::npos)
    key.replace(star, 1, "NAME");
  return key;
}

std::string mask_urls(const std::string& urls) {
  std::string out = urls;
  for (size_t at = out.find('@'); at != std::string::npos; at = out.find('@', at + 1)) {
    auto scheme = out.rfind("://", at);
    auto colon = out.rfind(':', at);
    if (scheme == std::string::npos || colon == std::string::npos || colon <= scheme + 2)
      continue;
    out.replace(colon + 1, at - colon - 1, "****");
    at = colon + 5;
  }
  return out;
}

/// One help entry: the flag with its default, then the help text aligned.
void help_line(std::ostringstream& out, const option_def& o) {
  auto def = o.shown_default.empty() ? shown(o, std::string{o.fallback})
                                      : "(" + std::string{o.shown_default} + ")";
  auto flag = "  --" + display_key(o) + "=" + def;
  constexpr size_t column = 31;
  out << flag;
  if (flag.size() + 1 > column)
    out << '\n' << std::string(column, ' ');
  else
    out << std::string(column - flag.size(), ' ');
  out << o.help << '\n';
}

} // namespace

std::string masked(std::string_view key, const std::string& value) {
  auto opt = find_option(key);
  if (opt == nullptr || !opt->secret || value.empty())
    return value;
  if (key == "redis.url")
    return mask_urls(value);
  return "****";
}

std::string help_text() {
  std::ostringstream out;
  out << usage;
  std::string_view group = "-";
  for (auto& o : option_table()) {
    if (group_of(o.key) != group) {
      group = group_of(o.key);
      out << '\n';
      if (!group.empty())
        out << '[' << group << "]\n";
    }
    help_line(out, o);
  }
  return out.str();
}

namespace {

/// Option `key`'s value (secrets masked, not quoted) and where it came from.
config_entry entry_of(std::string_view key, const loaded_config& cfg) {
  auto& v = cfg.options.at(key);
  auto value = v.text;
  auto origin = v.origin;
  if (key == "http.web-root" && v.is_default()) {
    value = cfg.values.web_root;
    origin = "default: found next to the binary";
  }
  if (key == "scheduler.max-threads" && v.is_default())
    origin = "default: one per core, " + std::to_string(cfg.values.scheduler_threads);
  return {std::string{key}, masked(key, value), origin};
}

/// One line of print-config: `name = value  ; origin`.
void config_line(std::ostringstream& out, const option_def& o, std::string_view key,
                 const loaded_config& cfg) {
  auto e = entry_of(key, cfg);
  auto name = is_wildcard(o) ? name_of(name_of(o.key)) : name_of(o.key);
  out << name << " = " << shown(o, e.value) << "  ; " << e.origin << '\n';
}

/// `[plugins.votes]` and its options, for every name the configuration
/// gives in `group`.
void wildcard_sections(std::ostringstream& out, const loaded_config& cfg,
                       std::string_view group) {
  std::string current;
  for (auto& [key, value] : cfg.options.values) {
    auto name = instance_of(key);
    if (name.empty() || group_of(key) != group)
      continue;
    if (name != current) {
      current = std::string{name};
      out << "\n[" << group << '.' << current << "]\n";
      for (auto& o : option_table())
        if (is_wildcard(o) && group_of(o.key) == group)
          config_line(out, o, instance_key(o, current), cfg);
    }
  }
}

} // namespace

std::string effective_config_text(const loaded_config& cfg) {
  std::ostringstream out;
  out << "; The effective configuration: command line > environment > "
      << (cfg.options.config_file ? *cfg.options.config_file : "no INI file")
      << " > defaults.\n; Secrets are masked. Each value's source follows it.\n";
  std::string_view group = "-";
  auto& table = option_table();
  for (size_t i = 0; i < table.size(); ++i) {
    auto& o = table[i];
    if (group_of(o.key) != group) {
      group = group_of(o.key);
      if (!group.empty() && !is_wildcard(o)) // `[consumers]` alone would hold nothing
        out << "\n[" << group << "]\n";
    }
    if (!is_wildcard(o))
      config_line(out, o, o.key, cfg);
    // The named sections (`[plugins.votes]`) close their group.
    if (i + 1 == table.size() || group_of(table[i + 1].key) != group)
      wildcard_sections(out, cfg, group);
  }
  return out.str();
}

std::vector<config_entry> effective_config_entries(const loaded_config& cfg) {
  std::vector<config_entry> out;
  std::set<std::string_view> instances; // `votes` of [plugins.votes], ...
  for (auto& [key, value] : cfg.options.values)
    if (!instance_of(key).empty())
      instances.insert(instance_of(key));
  for (auto& o : option_table()) {
    if (!is_wildcard(o)) {
      out.push_back(entry_of(o.key, cfg));
      continue;
    }
    for (auto name : instances) {
      auto key = instance_key(o, name);
      if (group_of(key) == group_of(o.key) && cfg.options.values.count(key) > 0)
        out.push_back(entry_of(key, cfg));
    }
  }
  return out;
}

} // namespace sb
