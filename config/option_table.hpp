#pragma once
// Every Switchboard option in one table: its key (`http.port`), the kind of
// value it takes, its default and one line of help, in the order and the
// groups of config/switchboard.ini. The INI reader, the command line, the
// environment, --help and print-config all read this table, so an option
// exists everywhere once it is listed here.
//
// A few options belong to a name the operator chooses: `plugins.*.relay`
// stands for `plugins.votes.relay`, `plugins.typing.relay`, ... (a
// wildcard option). Each name that appears in any source gets every
// option of its group, at its default unless set.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

enum class value_kind {
  text,     ///< a string; quoted in the INI file
  integer,  ///< a whole number
  boolean,  ///< true or false
  duration, ///< a number with a unit: 500ms, 10s, 1min, 1h
  list,     ///< strings: "a,b" or, in the INI file, ["a", "b"]
};

struct option_def {
  std::string_view key;          ///< "http.port"; no dot for the global group
  value_kind kind;
  std::string_view fallback;     ///< the default, unquoted ("8080", "10s")
  std::string_view help;         ///< one line
  bool secret = false;           ///< masked wherever the value is printed
  std::string_view shown_default = {}; ///< for --help when the default is computed
};

/// Every option, in INI order; the global group comes first.
const std::vector<option_def>& option_table();

/// The option with this key, or null. A key such as `plugins.votes.relay`
/// finds the wildcard option `plugins.*.relay`.
const option_def* find_option(std::string_view key);

/// True for an option whose key holds `*` (plugins.*.relay).
bool is_wildcard(const option_def& o);

/// The name a key gives a wildcard option ("votes" for
/// `plugins.votes.relay`), or "" when the key is no such instance.
std::string_view instance_of(std::string_view key);

/// The key of wildcard option `o` for `name`: `plugins.votes.relay`.
std::string instance_key(const option_def& o, std::string_view name);

/// The group of a key ("http" for "http.port", "" for "broker",
/// "plugins" for "plugins.votes.relay").
std::string_view group_of(std::string_view key);

/// True for a group of the INI file: `http`, or `plugins.votes` (a name
/// for the wildcard options of `plugins`).
bool known_group(std::string_view group);

/// The name within its group ("port" for "http.port").
std::string_view name_of(std::string_view key);

/// SWITCHBOARD_ + the key in upper case, dots and dashes as underscores.
std::string env_name(std::string_view key);

/// The known option whose key is closest to `key` (for "did you mean").
std::optional<std::string> closest_option(std::string_view key);

} // namespace sb
