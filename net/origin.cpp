#include "net/origin.hpp"

#include <strings.h>

namespace sb {

namespace {

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

/// "host[:port]" of "scheme://host[:port]"; empty for anything else
/// ("null", from sandboxed frames and file:// pages).
std::string_view authority(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos)
    return {};
  auto rest = origin.substr(scheme + 3);
  return rest.substr(0, rest.find('/'));
}

} // namespace

bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed) {
  if (origin.empty())
    return true;
  for (auto& a : allowed)
    if (a == "*" || same_text(a, origin))
      return true;
  auto own = authority(origin);
  return !own.empty() && same_text(own, host);
}

} // namespace sb
