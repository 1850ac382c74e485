#include "net/auth.hpp"

#include <algorithm>
#include <cstdlib>
#include <strings.h>
#include <jwt.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace sb {

using nlohmann::json;

namespace {

using jwt_ptr = std::unique_ptr<jwt_t, decltype(&jwt_free)>;

using result = std::variant<token_claims, std::string>;

bool base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

/// Three non-empty base64url parts. Checked before libjwt sees the token,
/// which reads it as a C string and would stop at an embedded NUL.
bool well_formed(std::string_view token) {
  size_t dots = 0;
  for (char c : token)
    if (c == '.')
      ++dots;
    else if (!base64url_char(c))
      return false;
  auto first = token.find('.');
  auto last = token.rfind('.');
  return dots == 2 && first > 0 && last > first + 1; // `none` has no signature
}

/// The token's header as JSON (libjwt 1.10 cannot read a header without
/// verifying, and the header decides which keys to try).
json header_of(std::string_view token) {
  std::string b64{token.substr(0, token.find('.'))};
  std::replace(b64.begin(), b64.end(), '-', '+');
  std::replace(b64.begin(), b64.end(), '_', '/');
  b64.append((4 - b64.size() % 4) % 4, '=');
  std::string raw(b64.size() / 4 * 3, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                           reinterpret_cast<const unsigned char*>(b64.data()),
                           static_cast<int>(b64.size()));
  if (n < 0)
    return nullptr;
  raw.resize(static_cast<size_t>(n));
  while (!raw.empty() && raw.back() == '\0') // EVP_DecodeBlock keeps padding bytes
    raw.pop_back();
  return json::parse(raw, nullptr, false);
}

bool public_key_fits(const public_key& key, std::string_view alg) {
  if (alg.substr(0, 2) == "RS")
    return key.kind == public_key::type::rsa;
  int bits = alg == "ES256" ? 256 : alg == "ES384" ? 384 : alg == "ES512" ? 521 : 0;
  return alg.substr(0, 2) == "ES" && key.kind == public_key::type::ec && key.bits == bits;
}

/// The keys that may have signed a token of algorithm `alg`.
std::vector<std::string_view> keys_for(std::string_view alg, const auth_settings& auth) {
  std::vector<std::string_view> out;
  if (alg == "HS256" || alg == "HS384" || alg == "HS512") {
    if (!auth.secret.empty())
      out.push_back(auth.secret);
    return out;
  }
  for (auto& key : auth.public_keys)
    if (public_key_fits(key, alg))
      out.push_back(key.pem);
  return out;
}

/// The payload of a token one of `keys` signed, verified by libjwt.
std::optional<json> verified_payload(const std::string& token, std::string_view alg,
                                     const std::vector<std::string_view>& keys) {
  for (auto key : keys) {
    jwt_t* raw = nullptr;
    if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                   static_cast<int>(key.size()))
        != 0)
      continue;
    jwt_ptr jwt{raw, &jwt_free};
    // The header chose the keys; libjwt must have verified that algorithm.
    if (jwt_get_alg(jwt.get()) != jwt_str_alg(std::string{alg}.c_str()))
      continue;
    std::unique_ptr<char, decltype(&std::free)> grants{jwt_get_grants_json(jwt.get(), nullptr),
                                                       &std::free};
    if (!grants)
      return json::object();
    return json::parse(grants.get(), nullptr, false);
  }
  return std::nullopt;
}

bool audience_matches(const json& aud, const std::string& audience) {
  if (aud.is_string())
    return aud.get<std::string>() == audience;
  if (aud.is_array())
    for (auto& a : aud)
      if (a.is_string() && a.get<std::string>() == audience)
        return true;
  return false;
}

/// iss, aud and nbf: the checks that apply only when configured or present.
std::optional<std::string> check_context(const json& payload, const auth_settings& auth,
                                         int64_t now) {
  if (auto nbf = payload.find("nbf"); nbf != payload.end()) {
    if (!nbf->is_number())
      return "nbf claim is not a number";
    if (nbf->get<int64_t>() - auth.leeway.count() > now)
      return "not valid yet (nbf)";
  }
  if (!auth.issuer.empty()) {
    auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() || iss->get<std::string>() != auth.issuer)
      return "wrong issuer";
  }
  if (!auth.audience.empty()) {
    auto aud = payload.find("aud");
    if (aud == payload.end() || !audience_matches(*aud, auth.audience))
      return "wrong audience";
  }
  return std::nullopt;
}

result read_claims(const json& payload, const auth_settings& auth, int64_t now) {
  token_claims c;
  auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get<std::string>().empty())
    return std::string{"no sub claim"};
  c.sub = sub->get<std::string>();
  auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number())
    return std::string{"no exp claim"};
  c.exp = exp->get<int64_t>() + auth.leeway.count();
  if (c.exp <= now)
    return std::string{"expired"};
  if (auto why = check_context(payload, auth, now))
    return *why;
  auto name = payload.find("name");
  c.name = name != payload.end() && name->is_string() ? name->get<std::string>() : c.sub;
  if (auto s = payload.find("streams"); s != payload.end()) {
    if (!s->is_array())
      return std::string{"streams claim is not a list"};
    for (auto& p : *s)
      if (p.is_string())
        c.streams.push_back(p.get<std::string>());
  }
  return c;
}

} // namespace

result verify_token(std::string_view token, const auth_settings& auth, int64_t now_seconds) {
  if (token.size() > max_token_bytes)
    return std::string{"token too large"};
  if (!well_formed(token))
    return std::string{"not a JWT"};
  auto header = header_of(token);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string())
    return std::string{"not a JWT"};
  auto alg = header["alg"].get<std::string>();
  // libjwt 1.10 refuses any other typ: say so rather than "bad signature".
  if (auto typ = header.find("typ"); typ != header.end()
      && !(typ->is_string() && strcasecmp(typ->get<std::string>().c_str(), "JWT") == 0))
    return "typ " + typ->dump() + " is not accepted (only JWT)";
  auto keys = keys_for(alg, auth);
  if (keys.empty())
    return "algorithm " + alg + " is not accepted";
  auto payload = verified_payload(std::string{token}, alg, keys);
  if (!payload)
    return std::string{"bad signature"};
  if (!payload->is_object())
    return std::string{"payload is not a JSON object"};
  return read_claims(*payload, auth, now_seconds);
}

std::string sign_token(std::string_view payload_json, std::string_view secret,
                       std::string_view alg) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0)
    return {};
  jwt_ptr jwt{raw, &jwt_free};
  if (jwt_add_grants_json(jwt.get(), std::string{payload_json}.c_str()) != 0
      || jwt_set_alg(jwt.get(), jwt_str_alg(std::string{alg}.c_str()),
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     static_cast<int>(secret.size()))
           != 0)
    return {};
  std::unique_ptr<char, decltype(&std::free)> out{jwt_encode_str(jwt.get()), &std::free};
  return out ? std::string{out.get()} : std::string{};
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point: linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool permitted(const std::vector<std::string>& patterns, std::string_view stream) {
  for (auto& p : patterns)
    if (glob_match(p, stream))
      return true;
  return false;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string{part.substr(eq + 1)};
    if (semi == std::string_view::npos)
      break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

} // namespace sb
