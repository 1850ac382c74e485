#pragma once
// Every error code of the wire protocol (PROTOCOL §3) in one enum, with the
// string that goes on the wire. Plugins, the connection actor and the
// broker adapters all report failures through these.

#include <caf/error.hpp>
#include <string>
#include <string_view>

namespace sb {

enum class ec {
  /// The frame is not valid JSON.
  invalid_json,
  /// JSON, but not a well-formed command (or a binary frame).
  invalid_frame,
  /// The (client, stream) pair is not attached to this socket.
  unknown_client,
  /// No plugin is registered under that name.
  unknown_plugin,
  /// The stream name breaks the rules of PROTOCOL §1.
  invalid_stream,
  /// The strategy is neither `pub-sub` nor `streams`.
  invalid_strategy,
  /// The session may not attach to that stream.
  forbidden,
  /// The socket exceeded its command rate.
  rate_limited,
  /// A payload or a list exceeded its configured limit.
  too_large,
  /// The broker is unreachable.
  unavailable,
  /// A bug or an unexpected failure on the server.
  internal,
};

constexpr std::string_view to_string(ec x) {
  switch (x) {
    case ec::invalid_json: return "invalid_json";
    case ec::invalid_frame: return "invalid_frame";
    case ec::unknown_client: return "unknown_client";
    case ec::unknown_plugin: return "unknown_plugin";
    case ec::invalid_stream: return "invalid_stream";
    case ec::invalid_strategy: return "invalid_strategy";
    case ec::forbidden: return "forbidden";
    case ec::rate_limited: return "rate_limited";
    case ec::too_large: return "too_large";
    case ec::unavailable: return "unavailable";
    case ec::internal: return "internal";
  }
  return "internal";
}

/// Wraps a protocol error code into a caf::error (category "sb"): how
/// actors fail a request with a code the client will see.
caf::error make_error(ec code);

/// The same with a message for the client (a refused open says why).
caf::error make_error(ec code, std::string message);

/// The message make_error() put in `err`, or "" when it has none.
std::string error_message(const caf::error& err);

/// The protocol code inside a caf::error; timeouts and dead peers map to
/// `unavailable`, anything else to `internal`.
ec to_ec(const caf::error& err);

} // namespace sb
