#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 §4.2): checks
// an upgrade request and builds the 101 response. Beast parses the HTTP
// request; the session takes the socket over after this response.

#include <optional>
#include <string>
#include <string_view>

namespace sb::ws {

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);

/// Why an upgrade request is refused (answered with 400), or nullopt when
/// it is acceptable. `host` is the Host header (§4.2.1 requires one),
/// `version` is Sec-WebSocket-Version, `key` is Sec-WebSocket-Key.
std::optional<std::string> check_upgrade(std::string_view host, std::string_view version,
                                         std::string_view key);

/// The complete `101 Switching Protocols` response.
std::string switching_response(std::string_view client_key);

} // namespace sb::ws
