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

bool valid_plugin_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z')
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

bool valid_event_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && valid_stream_name(name);
}

} // namespace sb
