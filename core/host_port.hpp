#pragma once
// "host:port" as operators and Redis write it: `ctl --node`, `worker
// --join`, and the addresses in Redis Cluster's slot map and redirects.

#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

/// "HOST:PORT", "[::1]:PORT" or "::1:PORT" (the port is after the last
/// colon) -> host and port; false when malformed, and the outputs are then
/// unchanged.
bool split_host_port(std::string_view text, std::string& host, uint16_t& port);

} // namespace sb
