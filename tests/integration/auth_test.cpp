// Sessions and permissions (PROTOCOL §6): tokens from the query or the
// switchboard_token cookie, 4401 for missing/forged/expired ones, the
// `streams` claim's globs, RS256/ES256 tokens from an identity provider
// (made with openssl), and the Origin rule at the upgrade: same origin by
// default, a list, or `*`.

#include "net/auth.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/jwt_maker.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* auth_secret = "test-secret";

int64_t in(std::chrono::seconds from_now) {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch() + from_now).count();
}

std::string token(const json& claims, const std::string& key = auth_secret) {
  return sign_token(claims.dump(), key);
}

json good_claims() {
  return {{"sub", "u42"},
          {"name", "Ada"},
          {"exp", in(std::chrono::hours(1))},
          {"streams", {"stream:allowed", "room:*"}}};
}

json one_chat(const std::string& stream) {
  return json::array({chat_spec(stream)});
}

class auth_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    // No leeway: the expiry tests below count in seconds.
    start_server({std::string{"--auth.secret="} + auth_secret, "--auth.leeway=0s",
                  "--http.allowed-origins=https://app.example,https://other.example"});
  }
  static void TearDownTestSuite() { stop_server(); }

  close_result refused(const std::string& tok, ws_options opts = {}) {
    params extra;
    if (!tok.empty()) extra.emplace_back("token", tok);
    ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), extra), opts);
    return ws.expect_close();
  }
};

TEST_F(auth_test, ValidTokenGivesItsUserAndStarts) {
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(good_claims())}}));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(welcome["user"], json({{"id", "u42"}, {"name", "Ada"}}));
  EXPECT_EQ(welcome["clients"].size(), 1u);
}

TEST_F(auth_test, NameParameterDoesNotOverrideTheToken) {
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"),
                                         {{"token", token(good_claims())}, {"name", "Mallory"}}));
  EXPECT_EQ(ws.read_json()["user"]["name"], "Ada");
}

TEST_F(auth_test, MissingTokenCloses4401) {
  auto closed = refused("");
  EXPECT_EQ(closed.code, 4401);
  EXPECT_EQ(closed.reason, "Unauthorized");
  EXPECT_EQ(closed.frames_before, 0u);
}

TEST_F(auth_test, ForgedTokenCloses4401) {
  EXPECT_EQ(refused(token(good_claims(), "wrong-secret")).code, 4401);
  EXPECT_EQ(refused("not.a.token").code, 4401);
}

TEST_F(auth_test, ExpiredTokenCloses4401) {
  auto claims = good_claims();
  claims["exp"] = in(-std::chrono::seconds(10));
  EXPECT_EQ(refused(token(claims)).code, 4401);
}

// The token's permissions end at its `exp`, and so does the socket.
TEST_F(auth_test, SocketClosesWith4401WhenItsTokenExpires) {
  auto claims = good_claims();
  claims["exp"] = in(std::chrono::seconds(2)); // valid at connect, for 1-2 s
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(claims)}}));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  auto closed = ws.expect_close(); // within the client's 5 s read timeout
  EXPECT_EQ(closed.code, 4401);
  EXPECT_EQ(closed.reason, "Unauthorized");
}

TEST_F(auth_test, FarFutureExpiryKeepsTheSocketOpen) {
  auto claims = good_claims();
  // 1.5e10 s from now is 1.5e19 ns: past INT64_MAX, where an unchecked
  // timer wraps to a negative delay and fires at once.
  claims["exp"] = in(std::chrono::seconds(0)) + 15'000'000'000;
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(claims)}}));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  ws.send_json(send_command("stream:allowed", "still here", "1"));
  auto frames = ws.read_until([](const json& f) { return f.value("type", "") == "ack"; });
  EXPECT_EQ(frames.back().value("ref", ""), "1");
}

TEST_F(auth_test, CookieCarriesTheToken) {
  ws_options opts;
  opts.headers.emplace_back("Cookie", "theme=dark; switchboard_token=" + token(good_claims()));
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed")), opts);
  EXPECT_EQ(ws.read_json()["user"]["id"], "u42");
}

TEST_F(auth_test, StreamsOutsideTheClaimAreForbiddenOthersStart) {
  json clients = json::array({chat_spec("stream:secret"), chat_spec("room:7:thread:1"),
                              chat_spec("stream:allowed")});
  ws_client ws(port(), ws_client::target(clients, {{"token", token(good_claims())}}));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  ASSERT_EQ(welcome["clients"].size(), 2u);
  EXPECT_EQ(welcome["clients"][0]["stream"], "room:7:thread:1");
  EXPECT_EQ(welcome["clients"][1]["stream"], "stream:allowed");
  auto error = ws.read_json();
  EXPECT_EQ(error.value("code", ""), "forbidden") << error;
  EXPECT_EQ(error.value("stream", ""), "stream:secret") << error;
}

TEST_F(auth_test, NoStreamsClaimMeansNothingIsPermitted) {
  auto claims = good_claims();
  claims.erase("streams");
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(claims)}}));
  EXPECT_EQ(ws.read_json().value("code", ""), "forbidden");
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "No valid clients");
}

TEST_F(auth_test, DisallowedOriginGets403AtTheUpgrade) {
  auto headers = upgrade_headers();
  headers.emplace_back("Origin", "https://evil.example");
  auto res = http_get(port(), ws_client::target(one_chat("stream:allowed"),
                                                {{"token", token(good_claims())}}),
                      headers);
  EXPECT_EQ(res.status, 403u);
}

TEST_F(auth_test, AllowedOriginUpgrades) {
  ws_options opts;
  opts.headers.emplace_back("Origin", "https://other.example");
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(good_claims())}}),
               opts);
  EXPECT_EQ(ws.read_json().value("type", ""), "welcome");
}

TEST_F(auth_test, OwnOriginUpgradesAlongsideTheList) {
  ws_options opts;
  opts.headers.emplace_back("Origin", "http://127.0.0.1:" + std::to_string(port()));
  ws_client ws(port(), ws_client::target(one_chat("stream:allowed"), {{"token", token(good_claims())}}),
               opts);
  EXPECT_EQ(ws.read_json().value("type", ""), "welcome");
}

// An upgrade from a page on another site gets 403 unless allowed; the
// default changed from "any origin" (cross-site WebSocket hijacking).
http_response upgrade_from(uint16_t port, const std::string& origin) {
  auto headers = upgrade_headers();
  headers.emplace_back("Origin", origin);
  return http_get(port, ws_client::target(one_chat("stream:1")), headers);
}

TEST(origin_test, OnlyTheSameOriginUpgradesByDefault) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server;
  auto own = "http://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(upgrade_from(server.port(), own).status, 101u);
  EXPECT_EQ(upgrade_from(server.port(), "https://evil.example").status, 403u);
  EXPECT_EQ(upgrade_from(server.port(), "http://127.0.0.1:1").status, 403u) << "another port";
  EXPECT_EQ(upgrade_from(server.port(), "null").status, 403u);
  EXPECT_TRUE(server.wait_for_log("refused an upgrade from origin https://evil.example", 5s));
}

TEST(origin_test, StarLetsAnyOriginUpgradeAndWarns) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--http.allowed-origins=*"});
  EXPECT_EQ(upgrade_from(server.port(), "https://evil.example").status, 101u);
  EXPECT_NE(server.logs().find("WARN  main: http.allowed-origins is *"), std::string::npos)
    << server.logs_tail();
}

// A node configured for an identity provider's RS256/ES256 keys.
class public_key_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    keys_ = std::make_unique<key_folder>();
    auto rsa = keys_->make_key("rsa", "rsa:2048");
    auto ec = keys_->make_key("ec", "P-256");
    // Headers large enough that an oversized token reaches the verifier.
    start_server({"--auth.public-key=" + rsa + "," + ec, "--auth.issuer=https://id.example",
                  "--auth.audience=switchboard", "--http.max-header-bytes=65536"});
  }
  static void TearDownTestSuite() {
    stop_server();
    keys_.reset();
  }
  static json claims() {
    return {{"sub", "idp-7"}, {"name", "Grace"}, {"exp", in(std::chrono::hours(1))},
            {"iss", "https://id.example"}, {"aud", {"switchboard", "other"}},
            {"streams", {"stream:*"}}};
  }
  static close_result refused(const std::string& tok) {
    ws_client ws(port(), ws_client::target(one_chat("stream:1"), {{"token", tok}}));
    return ws.expect_close();
  }
  static std::unique_ptr<key_folder> keys_;
};

std::unique_ptr<key_folder> public_key_test::keys_;

TEST_F(public_key_test, Rs256AndEs256TokensFromTheProviderAreAccepted) {
  for (auto tok : {keys_->rs256("rsa", claims()), keys_->es256("ec", claims())}) {
    ws_client ws(port(), ws_client::target(one_chat("stream:1"), {{"token", tok}}));
    auto welcome = ws.read_json();
    ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
    EXPECT_EQ(welcome["user"], json({{"id", "idp-7"}, {"name", "Grace"}}));
  }
}

TEST_F(public_key_test, HsTokensWrongIssuerAndOversizedTokensClose4401) {
  EXPECT_EQ(refused(token(claims())).code, 4401) << "HS256 on an RS-configured node";
  auto wrong = claims();
  wrong["iss"] = "https://evil.example";
  EXPECT_EQ(refused(keys_->rs256("rsa", wrong)).code, 4401);
  auto big = claims();
  big["padding"] = std::string(max_token_bytes, 'x');
  EXPECT_EQ(refused(keys_->rs256("rsa", big)).code, 4401);
  EXPECT_TRUE(server().wait_for_log("refused: algorithm HS256 is not accepted", 5s));
  EXPECT_TRUE(server().wait_for_log("refused: wrong issuer", 5s));
  EXPECT_TRUE(server().wait_for_log("refused: token too large", 5s));
}

} // namespace
} // namespace sb::test
