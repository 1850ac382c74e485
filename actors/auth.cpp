#include "actors/auth.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sb {

using nlohmann::json;

namespace {

std::string base64url_encode(std::string_view in) {
  static constexpr char table[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  auto data = reinterpret_cast<const unsigned char*>(in.data());
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    for (int s = 18; s >= 0; s -= 6)
      out += table[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = data[i] << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  if (in.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::variant<token_claims, std::string> read_claims(const json& payload, int64_t now) {
  token_claims c;
  auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() || sub->get<std::string>().empty())
    return std::string{"no sub claim"};
  c.sub = sub->get<std::string>();
  auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number())
    return std::string{"no exp claim"};
  c.exp = exp->get<int64_t>();
  if (c.exp <= now)
    return std::string{"expired"};
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

std::variant<token_claims, std::string> verify_token(std::string_view token,
                                                     std::string_view secret,
                                                     int64_t now_seconds) {
  auto dot1 = token.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return std::string{"not a JWT"};
  auto header = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature)
    return std::string{"bad base64"};
  auto h = json::parse(*header, nullptr, false);
  if (!h.is_object() || h.value("alg", "") != "HS256")
    return std::string{"algorithm is not HS256"};
  auto expected = hmac_sha256(secret, token.substr(0, dot2));
  if (signature->size() != expected.size()
      || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
    return std::string{"bad signature"};
  auto p = json::parse(*payload, nullptr, false);
  if (!p.is_object())
    return std::string{"payload is not a JSON object"};
  return read_claims(p, now_seconds);
}

std::string sign_token(std::string_view payload_json, std::string_view secret) {
  auto signing_input = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "."
                       + base64url_encode(payload_json);
  return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
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
