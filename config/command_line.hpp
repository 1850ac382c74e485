#pragma once
// The command line of the `switchboard` binary: an optional command
// (check-config, print-config, token, version, help, ctl, worker), option flags
// (`--http.port=9000`, `--http.port 9000`, `--demo.enabled`), the config
// file, and the `token` and `worker` commands' own flags. `ctl` takes the rest of the
// line as its own (actors/ctl parses it): it talks to another process and
// reads no configuration. Anything else is an error: an
// unknown option or a stray argument never passes silently.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace sb {

enum class subcommand { run, check_config, print_config, token, version, help, ctl, worker };

struct option_flag {
  std::string key;   ///< "http.port"
  std::string value; ///< "9000"
};

struct command_line {
  subcommand cmd = subcommand::run;
  std::vector<option_flag> options;                ///< in argument order
  std::optional<std::string> config_file;          ///< --config-file
  std::map<std::string, std::string> token_flags;  ///< sub, name, streams, ttl
  std::vector<std::string> ctl_args; ///< everything after `ctl`: its own flags (actors/ctl)
  std::optional<std::string> join;   ///< `worker --join HOST:PORT`: the node's admin port
};

/// The parsed arguments, or an error message for the user.
std::variant<command_line, std::string> parse_command_line(int argc, const char* const* argv);

} // namespace sb
