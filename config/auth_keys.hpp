#pragma once
// Reads the key material behind `auth.public-key`, `auth.secret-file` and
// `api.key-file` at start-up, so that a missing or malformed file stops the
// server with a clear error instead of refusing every socket later.

#include <string>
#include <variant>

#include "config/settings.hpp"

namespace sb {

/// A PEM public key (`BEGIN PUBLIC KEY`) or certificate, RSA or EC, as
/// public-key PEM for the verifier; or an error naming the file.
std::variant<public_key, std::string> load_public_key(const std::string& path);

/// A secret file's content without its trailing newline; an error if the
/// file cannot be read or is empty.
std::variant<std::string, std::string> load_secret_file(const std::string& path);

} // namespace sb
