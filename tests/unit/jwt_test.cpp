// Tokens from identity providers: RS256 and ES256 tokens signed by the
// `openssl` command (tests/support/jwt_maker), checked by verify_token
// against keys loaded as auth.public-key loads them; key rotation, exp and
// nbf with the leeway, iss and aud, and every way a token must be refused.

#include <gtest/gtest.h>

#include "net/auth.hpp"
#include "config/auth_keys.hpp"
#include "tests/support/jwt_maker.hpp"

#include <chrono>

using namespace sb;
using nlohmann::json;

namespace {

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string error_of(const std::variant<token_claims, std::string>& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
}

// Key generation takes a moment: one folder of keys for every test.
class jwt_test : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    keys_ = new test::key_folder;
    for (auto name : {"rsa1", "rsa2", "rsa3"})
      keys_->make_key(name, "rsa:2048");
    keys_->make_key("ec1", "P-256");
    keys_->make_key("ec384", "P-384");
  }
  static void TearDownTestSuite() {
    delete keys_;
    keys_ = nullptr;
  }

  static public_key key(const std::string& name) {
    auto loaded = load_public_key(keys_->path() + "/" + name + ".pub");
    if (auto err = std::get_if<std::string>(&loaded))
      throw std::runtime_error(*err);
    return std::get<public_key>(loaded);
  }

  static auth_settings with_keys(std::initializer_list<const char*> names) {
    auth_settings a;
    for (auto n : names)
      a.public_keys.push_back(key(n));
    return a;
  }

  json claims(int64_t exp_in = 3600) const {
    return {{"sub", "u42"}, {"name", "Ada"}, {"exp", now_ + exp_in}, {"streams", {"room:*"}}};
  }

  std::variant<token_claims, std::string> check(const std::string& token,
                                                const auth_settings& a) const {
    return verify_token(token, a, now_);
  }

  static test::key_folder* keys_;
  int64_t now_ = now_seconds();
};

test::key_folder* jwt_test::keys_ = nullptr;

TEST_F(jwt_test, accepts_rs256_from_openssl_and_reads_the_claims) {
  auto v = check(keys_->rs256("rsa1", claims()), with_keys({"rsa1"}));
  ASSERT_TRUE(std::holds_alternative<token_claims>(v)) << error_of(v);
  auto& c = std::get<token_claims>(v);
  EXPECT_EQ(c.sub, "u42");
  EXPECT_EQ(c.name, "Ada");
  EXPECT_EQ(c.streams, std::vector<std::string>{"room:*"});
  EXPECT_EQ(c.exp, now_ + 3600 + 30) << "exp plus the default leeway";
}

TEST_F(jwt_test, accepts_es256_from_openssl) {
  auto v = check(keys_->es256("ec1", claims()), with_keys({"ec1"}));
  EXPECT_TRUE(std::holds_alternative<token_claims>(v)) << error_of(v);
}

TEST_F(jwt_test, rotation_accepts_every_configured_key_and_no_other) {
  auto both = with_keys({"rsa1", "rsa2", "ec1"});
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", claims()), both)), "");
  EXPECT_EQ(error_of(check(keys_->rs256("rsa2", claims()), both)), "");
  EXPECT_EQ(error_of(check(keys_->es256("ec1", claims()), both)), "");
  EXPECT_EQ(error_of(check(keys_->rs256("rsa3", claims()), both)), "bad signature");
}

TEST_F(jwt_test, a_tampered_payload_is_refused) {
  auto token = keys_->rs256("rsa1", claims());
  auto other = keys_->rs256("rsa1", json{{"sub", "admin"}, {"exp", now_ + 3600}});
  auto forged = token.substr(0, token.find('.') + 1)
                + other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1)
                + token.substr(token.rfind('.'));
  EXPECT_EQ(error_of(check(forged, with_keys({"rsa1"}))), "bad signature");
}

TEST_F(jwt_test, exp_and_nbf_allow_the_leeway) {
  auto a = with_keys({"rsa1"}); // leeway 30 s
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", claims(-10)), a)), "");
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", claims(-40)), a)), "expired");
  auto soon = claims();
  soon["nbf"] = now_ + 10;
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", soon), a)), "");
  auto later = claims();
  later["nbf"] = now_ + 100;
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", later), a)), "not valid yet (nbf)");
  a.leeway = std::chrono::seconds{0};
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", soon), a)), "not valid yet (nbf)");
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", claims(-10)), a)), "expired");
}

TEST_F(jwt_test, issuer_and_audience_are_checked_when_configured) {
  auto a = with_keys({"rsa1"});
  a.issuer = "https://id.example";
  a.audience = "switchboard";
  auto c = claims();
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "wrong issuer");
  c["iss"] = "https://evil.example";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "wrong issuer");
  c["iss"] = "https://id.example";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "wrong audience");
  c["aud"] = "other-app";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "wrong audience");
  c["aud"] = "switchboard";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "");
  c["aud"] = {"other-app", "switchboard"};
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "");
  a.issuer.clear();
  a.audience.clear();
  c["aud"] = "anything";
  c["iss"] = "anyone";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", c), a)), "") << "not checked when unset";
}

TEST_F(jwt_test, alg_none_is_refused) {
  auto header = test::base64url(R"({"alg":"none","typ":"JWT"})");
  auto token = header + "." + test::base64url(claims().dump()) + ".";
  auto a = with_keys({"rsa1"});
  a.secret = "s3cret";
  EXPECT_EQ(error_of(check(token, a)), "algorithm none is not accepted");
}

TEST_F(jwt_test, an_hs_token_is_refused_by_a_node_with_public_keys_only) {
  auto rs_only = with_keys({"rsa1"});
  EXPECT_EQ(error_of(check(sign_token(claims().dump(), "s3cret"), rs_only)),
            "algorithm HS256 is not accepted");
  // The classic confusion: HMAC keyed with the public key's PEM text.
  auto confused = sign_token(claims().dump(), rs_only.public_keys[0].pem);
  EXPECT_EQ(error_of(check(confused, rs_only)), "algorithm HS256 is not accepted");
  auto both = rs_only;
  both.secret = "s3cret";
  EXPECT_EQ(error_of(check(confused, both)), "bad signature");
}

TEST_F(jwt_test, rs_and_es_tokens_need_a_key_of_their_type) {
  auth_settings hs_only;
  hs_only.secret = "s3cret";
  EXPECT_EQ(error_of(check(keys_->rs256("rsa1", claims()), hs_only)),
            "algorithm RS256 is not accepted");
  EXPECT_EQ(error_of(check(keys_->es256("ec1", claims()), with_keys({"rsa1"}))),
            "algorithm ES256 is not accepted");
  // ES256 is P-256: a P-384 key does not verify it.
  EXPECT_EQ(error_of(check(keys_->es256("ec1", claims()), with_keys({"ec384"}))),
            "algorithm ES256 is not accepted");
}

TEST_F(jwt_test, an_oversized_token_is_refused_before_parsing) {
  auto big = claims();
  big["padding"] = std::string(max_token_bytes, 'x');
  auth_settings a;
  a.secret = "s3cret";
  auto token = sign_token(big.dump(), "s3cret");
  ASSERT_GT(token.size(), max_token_bytes);
  EXPECT_EQ(error_of(check(token, a)), "token too large");
}

TEST_F(jwt_test, hs384_and_hs512_are_accepted_with_the_secret) {
  auth_settings a;
  a.secret = "s3cret";
  EXPECT_EQ(error_of(check(sign_token(claims().dump(), "s3cret", "HS384"), a)), "");
  EXPECT_EQ(error_of(check(sign_token(claims().dump(), "s3cret", "HS512"), a)), "");
  EXPECT_EQ(error_of(check(sign_token(claims().dump(), "other", "HS512"), a)), "bad signature");
}

TEST_F(jwt_test, public_keys_load_from_pem_and_certificates_and_bad_files_are_errors) {
  EXPECT_EQ(key("rsa1").kind, public_key::type::rsa);
  EXPECT_EQ(key("ec1").kind, public_key::type::ec);
  EXPECT_EQ(key("ec1").bits, 256);
  auto cert = load_public_key(keys_->make_certificate("rsa2"));
  ASSERT_TRUE(std::holds_alternative<public_key>(cert)) << std::get<std::string>(cert);
  auto a = auth_settings{};
  a.public_keys.push_back(std::get<public_key>(cert));
  EXPECT_EQ(error_of(check(keys_->rs256("rsa2", claims()), a)), "") << "key from a certificate";
  auto missing = load_public_key(keys_->path() + "/nope.pub");
  EXPECT_NE(std::get<std::string>(missing).find("cannot read"), std::string::npos);
  auto garbage = load_public_key(keys_->write("garbage.pub", "not a key\n"));
  EXPECT_NE(std::get<std::string>(garbage).find("no PEM public key"), std::string::npos);
  keys_->make_key("small", "rsa:1024");
  auto small = load_public_key(keys_->path() + "/small.pub");
  EXPECT_NE(std::get<std::string>(small).find("2048"), std::string::npos);
}

} // namespace
