#pragma once
// Sessions and permissions (PROTOCOL §6): verifying the JWT a socket
// presents (HS256/384/512 with auth.secret, RS256/384/512 and ES256/384/512
// with auth.public-key; signatures checked by libjwt), and matching streams
// against the glob patterns of its `streams` claim. The connection actor
// calls these once per socket.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/settings.hpp"

namespace sb {

/// Longer tokens are refused before any parsing (a token rides in the
/// upgrade's query or cookie; real ones are well under 2 KiB).
constexpr size_t max_token_bytes = 8192;

struct token_claims {
  std::string sub;
  std::string name;                  ///< `name`, or `sub` when absent
  int64_t exp = 0;                   ///< when the token stops being accepted: `exp` + leeway
  std::vector<std::string> streams;  ///< glob patterns; empty = none
};

/// Verifies the algorithm against the configured keys (an HS token needs
/// auth.secret, an RS/ES token a public key of that type; `none` never
/// passes), the signature with each such key in turn (rotation), then
/// `sub`, `exp` and `nbf` (with the leeway), and `iss` and `aud` when
/// configured. The error says what failed (for logs).
std::variant<token_claims, std::string> verify_token(std::string_view token,
                                                     const auth_settings& auth,
                                                     int64_t now_seconds);

/// Signs `payload_json` as a JWT with `secret` (HS256, HS384 or HS512);
/// empty if the payload is not a JSON object. For `switchboard token` and tests.
std::string sign_token(std::string_view payload_json, std::string_view secret,
                       std::string_view alg = "HS256");

/// `*` matches any run of characters (colons included), `?` one character.
bool glob_match(std::string_view pattern, std::string_view text);

/// True when any pattern matches `stream`.
bool permitted(const std::vector<std::string>& patterns, std::string_view stream);

/// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

} // namespace sb
