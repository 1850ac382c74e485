#pragma once
// Gathers the raw text of every option from its four sources, each
// overriding the one before: the defaults, the INI file (--config-file or
// SWITCHBOARD_CONFIG_FILE), the environment (SWITCHBOARD_HTTP_PORT...) and
// the command line. Each value remembers where it came from, for errors
// ("switchboard.ini:4: ...") and for print-config.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/command_line.hpp"

namespace sb {

struct option_value {
  std::string text;   ///< unquoted
  std::string origin; ///< "default", "file.ini:12", "SWITCHBOARD_X", "--http.port"
  bool is_default() const { return origin == "default"; }
};

struct option_values {
  std::map<std::string, option_value, std::less<>> values; ///< every option, by key
  std::optional<std::string> config_file;                  ///< the INI file read, if any
  std::vector<std::string> warnings;                       ///< to log at start
  const option_value& at(std::string_view key) const { return values.find(key)->second; }
};

/// Merges the sources; an error message when the INI file cannot be read
/// or parsed. `env` is a null-terminated array of NAME=VALUE strings.
std::variant<option_values, std::string> gather_options(const command_line& cl,
                                                        const char* const* env);

} // namespace sb
