#pragma once
// Sessions and permissions (PROTOCOL §6): verifying the HS256 JWT a socket
// presents, and matching streams against the glob patterns of its
// `streams` claim. The connection actor calls these once per socket.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sb {

struct token_claims {
  std::string sub;
  std::string name;                  ///< `name`, or `sub` when absent
  int64_t exp = 0;                   ///< seconds since the epoch
  std::vector<std::string> streams;  ///< glob patterns; empty = none
};

/// Verifies signature (HMAC-SHA256, compared in constant time), algorithm,
/// and the `sub` and `exp` claims; the error says what failed (for logs).
std::variant<token_claims, std::string> verify_token(std::string_view token,
                                                     std::string_view secret,
                                                     int64_t now_seconds);

/// Signs `payload_json` as an HS256 JWT (for tests and tooling).
std::string sign_token(std::string_view payload_json, std::string_view secret);

/// `*` matches any run of characters (colons included), `?` one character.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when any pattern matches `stream`.
bool permitted(const std::vector<std::string>& patterns, std::string_view stream);

/// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

} // namespace sb
