#include "config/config_printer.hpp"

#include <sstream>

#include "config/option_table.hpp"

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
  return o.kind == value_kind::text ? quoted(value) : value;
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
  auto flag = "  --" + std::string{o.key} + "=" + def;
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

std::string effective_config_text(const loaded_config& cfg) {
  std::ostringstream out;
  out << "; The effective configuration: command line > environment > "
      << (cfg.options.config_file ? *cfg.options.config_file : "no INI file")
      << " > defaults.\n; Secrets are masked. Each value's source follows it.\n";
  std::string_view group = "-";
  for (auto& o : option_table()) {
    if (group_of(o.key) != group) {
      group = group_of(o.key);
      if (!group.empty())
        out << "\n[" << group << "]\n";
    }
    auto& v = cfg.options.at(o.key);
    auto value = v.text;
    auto origin = v.origin;
    if (o.key == "http.web-root" && v.is_default()) {
      value = cfg.values.web_root;
      origin = "default: found next to the binary";
    }
    if (o.key == "scheduler.max-threads" && v.is_default())
      origin = "default: one per core, " + std::to_string(cfg.values.scheduler_threads);
    out << name_of(o.key) << " = " << shown(o, masked(o.key, value)) << "  ; " << origin
        << '\n';
  }
  return out.str();
}

} // namespace sb
