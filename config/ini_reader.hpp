#pragma once
// Reads a Switchboard INI file (`[group]`, `key = value`, `;` comments)
// against the option table: every key must be a known option and every
// value must have its option's shape (a quoted string, an integer, true or
// false, a duration with a unit). Errors name the file and line, e.g.
// `switchboard.ini:4: expected a quoted string for auth.secret`.

#include <string>
#include <variant>
#include <vector>

namespace sb {

struct ini_value {
  std::string key;  ///< "http.port"
  std::string text; ///< the value without quotes or comment
  int line = 0;
};

/// The values of the file at `path`, in file order, or an error message.
std::variant<std::vector<ini_value>, std::string> read_ini(const std::string& path);

/// The same for INI text already in memory; `name` is used in errors.
std::variant<std::vector<ini_value>, std::string> parse_ini(const std::string& text,
                                                            const std::string& name);

} // namespace sb
