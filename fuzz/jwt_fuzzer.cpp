// Fuzzes the socket token verifier (actors/auth, PROTOCOL §6) with an HS
// secret and an RSA and an EC public key configured. The first input byte
// picks the mode and the iss/aud settings:
//   - even: the rest is a token as a client sends it (forged, truncated,
//     any algorithm, any header); seeds hold real tokens for each key;
//   - odd: the rest is a claims payload, signed here with the secret
//     (HS256/384/512 by the byte), so the claim checks behind the
//     signature are fuzzed too.
// Checked beyond "no crash, no leak": a token that passes has a non-empty
// `sub` and has not expired, and refusals always say why.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "fuzz/check.hpp"
#include "net/auth.hpp"
#include "fuzz/jwt_test_keys.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

constexpr int64_t now = 1718000000;
constexpr const char* algs[] = {"HS256", "HS384", "HS512"};

auth_settings make_settings(uint8_t mode) {
  auth_settings auth;
  auth.secret = fuzz::jwt_secret;
  auth.public_keys.push_back({"rsa.pem", fuzz::rsa_public_pem, public_key::type::rsa, 2048});
  auth.public_keys.push_back({"ec.pem", fuzz::ec_public_pem, public_key::type::ec, 256});
  if (mode & 2)
    auth.issuer = "https://issuer.example";
  if (mode & 4)
    auth.audience = "switchboard";
  auth.leeway = std::chrono::seconds{mode & 8 ? 0 : 30};
  return auth;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t mode = data[0];
  std::string rest{reinterpret_cast<const char*>(data + 1), size - 1};
  auto auth = make_settings(mode);
  std::string token = rest;
  if (mode & 1) {
    token = sign_token(rest, auth.secret, algs[(mode >> 4) % 3]);
    if (token.empty())
      return 0; // not a JSON object: nothing to sign
  }
  auto verified = verify_token(token, auth, now);
  if (auto* claims = std::get_if<token_claims>(&verified)) {
    check(!claims->sub.empty());
    check(claims->exp > now);
    for (auto& pattern : claims->streams)
      permitted({pattern}, "stream:123");
  } else {
    check(!std::get<std::string>(verified).empty());
  }
  return 0;
}
