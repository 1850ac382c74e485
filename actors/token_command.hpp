#pragma once
// `switchboard token`: mints an HS256 token with the configured auth.secret
// for development and scripts, e.g.
// `switchboard token --sub u42 --name Ada --streams 'room:*' --ttl 1h`.

#include <map>
#include <ostream>
#include <string>

#include "config/settings.hpp"

namespace sb {

/// Prints the token to `out` and returns 0, or an error to `err` and 2.
int mint_token(const std::map<std::string, std::string>& flags, const settings& s,
               std::ostream& out, std::ostream& err);

} // namespace sb
