#pragma once
// Splitting a request target into path and query, and URL-decoding query
// parameters (`%XX` and `+` for space, as browsers' URLSearchParams send).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

/// The path part of a request target (everything before `?`).
std::string_view target_path(std::string_view target);

/// Decodes `%XX` escapes and `+`; nullopt for a malformed escape.
std::optional<std::string> url_decode(std::string_view text);

/// The decoded value of the first `name=` parameter in the target's query;
/// nullopt when absent or malformed. A bare `name` yields "".
std::optional<std::string> query_param(std::string_view target, std::string_view name);

/// The names of every parameter in the target's query, in order (as
/// written: names are compared undecoded, as query_param does).
std::vector<std::string> query_names(std::string_view target);

} // namespace sb
