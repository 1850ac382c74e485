#include "core/plugin_spec.hpp"

#include <cctype>

namespace sb {

std::string_view to_string(strategy x) {
  return x == strategy::streams ? "streams" : "pub-sub";
}

bool valid_stream_name(std::string_view name) {
  if (name.empty() || name.size() > 200)
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-')
      return false;
  return true;
}

} // namespace sb
