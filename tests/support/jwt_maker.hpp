#pragma once
// Keys and tokens made with the `openssl` command, as an identity provider
// would make them: RSA and EC key pairs in a temporary folder, and RS256 /
// ES256 tokens signed by `openssl dgst -sign` (the ES256 signature turned
// from DER into the raw R||S form JWS uses). Nothing here goes through
// libjwt, so the tests check the server against an independent signer.

#include <nlohmann/json.hpp>

#include <string>

namespace sb::test {

/// base64url without padding.
std::string base64url(const std::string& bytes);

class key_folder {
public:
  key_folder();   ///< a fresh temporary folder
  ~key_folder();  ///< removes it
  key_folder(const key_folder&) = delete;
  key_folder& operator=(const key_folder&) = delete;

  /// Makes `name`.pem (private) and `name`.pub (public); returns the .pub path.
  /// `spec` is "rsa:2048", "rsa:1024" or an EC curve ("P-256", "P-384").
  std::string make_key(const std::string& name, const std::string& spec = "rsa:2048");
  /// A self-signed certificate for key `name`; returns its path.
  std::string make_certificate(const std::string& name);
  /// A certificate for key `name` (CN=`name`) signed by `ca` (its key and
  /// make_certificate's certificate); returns its path.
  std::string sign_certificate(const std::string& name, const std::string& ca);
  /// Writes `text` to `name` in the folder; returns the path.
  std::string write(const std::string& name, const std::string& text);

  /// A JWT with `header` and `claims`, signed by `openssl dgst -sha256
  /// -sign` with key `name` (raw R||S for EC keys).
  std::string sign(const std::string& name, const nlohmann::json& header,
                   const nlohmann::json& claims);
  std::string rs256(const std::string& name, const nlohmann::json& claims) {
    return sign(name, {{"alg", "RS256"}, {"typ", "JWT"}}, claims);
  }
  std::string es256(const std::string& name, const nlohmann::json& claims) {
    return sign(name, {{"alg", "ES256"}, {"typ", "JWT"}}, claims);
  }

  const std::string& path() const { return dir_; }

private:
  std::string dir_;
};

/// Runs `command` with /bin/sh; throws with its output when it fails.
std::string run_command(const std::string& command);

} // namespace sb::test
