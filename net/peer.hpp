#pragma once
// How log lines write a peer's address: 127.0.0.1:5432 or [::1]:5432.

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace sb {

inline std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep) {
  auto address = ep.address();
  auto text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return text + ":" + std::to_string(ep.port());
}

} // namespace sb
