#include "core/host_port.hpp"

#include <algorithm>

namespace sb {

bool split_host_port(std::string_view text, std::string& host_out, uint16_t& port_out) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return false;
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5
      || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  unsigned long port = 0;
  for (char c : digits)
    port = port * 10 + static_cast<unsigned long>(c - '0');
  if (port == 0 || port > 65535)
    return false;
  host_out = std::string{host};
  port_out = static_cast<uint16_t>(port);
  return true;
}

} // namespace sb
