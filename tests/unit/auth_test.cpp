#include <gtest/gtest.h>

#include "net/auth.hpp"

using namespace sb;

namespace {

constexpr int64_t now = 1'800'000'000;

auth_settings hs(const std::string& secret = "s3cret") {
  auth_settings a;
  a.secret = secret;
  a.leeway = std::chrono::seconds{0};
  return a;
}

std::variant<token_claims, std::string> verify(const std::string& payload,
                                               const std::string& signed_with = "s3cret") {
  return verify_token(sign_token(payload, signed_with), hs(), now);
}

std::string error_of(const std::variant<token_claims, std::string>& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
}

} // namespace

TEST(auth, accepts_a_valid_token_and_reads_its_claims) {
  auto v = verify(R"({"sub":"u42","name":"Ada","exp":1900000000,"streams":["stream:1","user:u42"]})");
  ASSERT_TRUE(std::holds_alternative<token_claims>(v)) << error_of(v);
  auto& c = std::get<token_claims>(v);
  EXPECT_EQ(c.sub, "u42");
  EXPECT_EQ(c.name, "Ada");
  EXPECT_EQ(c.streams, (std::vector<std::string>{"stream:1", "user:u42"}));
}

TEST(auth, name_defaults_to_sub_and_streams_to_none) {
  auto v = verify(R"({"sub":"u42","exp":1900000000})");
  ASSERT_TRUE(std::holds_alternative<token_claims>(v));
  EXPECT_EQ(std::get<token_claims>(v).name, "u42");
  EXPECT_TRUE(std::get<token_claims>(v).streams.empty());
}

TEST(auth, rejects_expired_forged_and_incomplete_tokens) {
  EXPECT_EQ(error_of(verify(R"({"sub":"u","exp":1700000000})")), "expired");
  EXPECT_EQ(error_of(verify(R"({"sub":"u","exp":1900000000})", "other")), "bad signature");
  EXPECT_EQ(error_of(verify(R"({"exp":1900000000})")), "no sub claim");
  EXPECT_EQ(error_of(verify(R"({"sub":"u"})")), "no exp claim");
  EXPECT_EQ(error_of(verify_token("garbage", hs(), now)), "not a JWT");
  EXPECT_EQ(error_of(verify_token("a.b.c.d", hs(), now)), "not a JWT");
}

TEST(auth, rejects_a_tampered_payload_and_alg_none) {
  auto token = sign_token(R"({"sub":"u","exp":1900000000})", "s3cret");
  auto dot1 = token.find('.');
  auto dot2 = token.find('.', dot1 + 1);
  auto other = sign_token(R"({"sub":"admin","exp":1900000000})", "s3cret");
  auto other_payload = other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1);
  auto forged = token.substr(0, dot1 + 1) + other_payload + token.substr(dot2);
  EXPECT_EQ(error_of(verify_token(forged, hs(), now)), "bad signature");
  // {"alg":"none"} with an empty signature
  std::string none = "eyJhbGciOiJub25lIn0." + other_payload + ".";
  EXPECT_EQ(error_of(verify_token(none, hs(), now)), "algorithm none is not accepted");
}

TEST(auth, globs_match_streams) {
  EXPECT_TRUE(glob_match("stream:123", "stream:123"));
  EXPECT_FALSE(glob_match("stream:123", "stream:1234"));
  EXPECT_TRUE(glob_match("stream:123:*", "stream:123:thread:345"));
  EXPECT_FALSE(glob_match("stream:123:*", "stream:123"));
  EXPECT_TRUE(glob_match("*", "anything:at:all"));
  EXPECT_TRUE(glob_match("user:u?", "user:u4"));
  EXPECT_FALSE(glob_match("user:u?", "user:u42"));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  EXPECT_TRUE(permitted({"x", "stream:*"}, "stream:9"));
  EXPECT_FALSE(permitted({}, "stream:9"));
}

TEST(auth, finds_a_cookie) {
  EXPECT_EQ(cookie_value("a=1; switchboard_token=abc.def.ghi; b=2", "switchboard_token"),
            "abc.def.ghi");
  EXPECT_EQ(cookie_value("switchboard_token=x", "switchboard_token"), "x");
  EXPECT_FALSE(cookie_value("other=1", "switchboard_token"));
  EXPECT_FALSE(cookie_value("", "switchboard_token"));
}
