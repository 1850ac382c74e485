#include "config/backend_url.hpp"

#include "config/value_parser.hpp"

namespace sb {

namespace {

std::variant<backend_url, std::string> fail(std::string_view url, const std::string& why) {
  return "invalid backend URL \"" + std::string{url} + "\": " + why;
}

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
         || c == '-' || c == '_';
}

} // namespace

std::variant<backend_url, std::string> parse_backend_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, 8) == "https://")
    return fail(url, "https is not supported; use http:// to a backend on this machine or "
                     "a private network");
  if (url.substr(0, scheme.size()) != scheme)
    return fail(url, "expected http://host[:port]/path");
  auto rest = url.substr(scheme.size());
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  backend_url out;
  if (slash != std::string_view::npos)
    out.target = std::string{rest.substr(slash)};
  if (out.target[0] == '?')
    out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return fail(url, "credentials in the URL are not supported; the backend gets "
                     "Authorization: Bearer <api.key>");
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail(url, "missing ] after the IPv6 address");
    out.host = std::string{authority.substr(1, close - 1)};
    auto after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      return fail(url, "expected :port after ]");
    port_text = after.empty() ? after : after.substr(1);
    if (!after.empty() && port_text.empty())
      return fail(url, "missing port after :");
  } else {
    auto colon = authority.find(':');
    out.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty())
        return fail(url, "missing port after :");
    }
    for (char c : out.host)
      if (!valid_host_char(c))
        return fail(url, "invalid character in the host name");
  }
  if (out.host.empty())
    return fail(url, "missing host");
  if (!port_text.empty()) {
    auto port = parse_integer(port_text);
    if (!port || *port < 1 || *port > 65535)
      return fail(url, "port must be 1..65535");
    out.port = static_cast<uint16_t>(*port);
  }
  for (char c : out.target)
    if (static_cast<unsigned char>(c) <= ' ' || c == '#' || static_cast<unsigned char>(c) >= 127)
      return fail(url, "the path must be URL-encoded (no spaces, controls or #)");
  return out;
}

} // namespace sb
