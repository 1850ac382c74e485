#pragma once
// One-shot HTTP/1.1 requests against a running switchboard, for the plain
// HTTP endpoints (/healthz, 404s, the ws path without an upgrade) and /api/.

#include "tests/support/ws_client.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace sb::test {

struct http_response {
  unsigned status = 0;
  std::string body;
  params headers;
};

/// The headers of a WebSocket upgrade request, for checking the HTTP status
/// of a refused upgrade (Beast 1.74's handshake() does not return it).
params upgrade_headers();

/// Sends `GET target` with `headers` and reads the whole response; throws on
/// connection errors or after `timeout` of silence.
http_response http_get(uint16_t port, const std::string& target, const params& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Sends `POST target` with a JSON `body` and `headers`; as http_get.
http_response http_post(uint16_t port, const std::string& target, const std::string& body,
                        const params& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

} // namespace sb::test
