// Sessions and permissions (PROTOCOL §6): tokens from the query or the
// switchboard_token cookie, 4401 for missing/forged/expired ones, the
// `streams` claim's globs, and the Origin allow-list at the upgrade.

#include "actors/auth.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace sb::test {
namespace {

constexpr const char* secret = "test-secret";

int64_t in(std::chrono::seconds from_now) {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch() + from_now).count();
}

std::string token(const json& claims, const std::string& key = secret) {
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
    start_server({std::string{"--auth.secret="} + secret,
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

} // namespace
} // namespace sb::test
