#pragma once
// Where a proxy plugin's backend is: `http://host[:port][/path][?query]`
// from `plugins.<name>.proxy`. Plain HTTP only: the backend is the
// application's own server, on this machine or its private network.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace sb {

struct backend_url {
  std::string host;          ///< a name, an IPv4 address or an IPv6 one without brackets
  uint16_t port = 80;
  std::string target = "/"; ///< path and query, as sent in the request line
};

/// Parses the URL; an error message on failure.
std::variant<backend_url, std::string> parse_backend_url(std::string_view url);

} // namespace sb
