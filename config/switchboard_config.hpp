#pragma once
// Start-up configuration: the raw option values from every source
// (config/option_sources) turned into validated settings. Every value is
// checked here, with an error that names where the value came from, so a
// bad configuration stops the server before anything starts. CAF's own
// config system is not used: it would read caf-application.ini silently
// and print its internals in --help.

#include <caf/actor_system_config.hpp>
#include <string>
#include <variant>
#include <vector>

#include "config/option_sources.hpp"
#include "config/settings.hpp"

namespace sb {

struct loaded_config {
  settings values;
  option_values options;             ///< the raw values and their origins
  std::vector<std::string> warnings; ///< to log once logging is set up
};

/// The validated configuration, or a one-line error.
std::variant<loaded_config, std::string> load_config(const command_line& cl,
                                                     const char* const* env);

/// The CAF settings Switchboard uses (scheduler threads and policy).
void apply_to(const settings& s, caf::actor_system_config& cfg);

/// Where the demo and client are found by default: next to the binary in
/// ../share/switchboard/web (installed) or web/ (the build tree).
std::vector<std::string> default_web_roots();

} // namespace sb
