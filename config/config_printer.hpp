#pragma once
// Text the binary prints about its configuration: --help (every option
// with its default and one line of help, grouped as in the INI file) and
// print-config (the effective values as an INI file, each with the source
// it came from, secrets masked).

#include <string>

#include <vector>

#include "config/switchboard_config.hpp"
#include "core/messages.hpp"

namespace sb {

std::string help_text();

std::string effective_config_text(const loaded_config& cfg);

/// The same as entries (`switchboard ctl config`): every option by its full
/// key (`plugins.votes.proxy`), secrets masked, with its origin.
std::vector<config_entry> effective_config_entries(const loaded_config& cfg);

/// `value` of option `key` as print-config shows it: secrets as ****, a
/// password in a Redis URL as ****.
std::string masked(std::string_view key, const std::string& value);

} // namespace sb
