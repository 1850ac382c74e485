// The notifications plugin (PROTOCOL §4): notifications from the API and
// straight from Redis, unread history on start, and read marks that are
// acknowledged, reach the user's other sockets and survive a reconnect.

#include "net/auth.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <chrono>

namespace sb::test {
namespace {

namespace http = boost::beast::http;
constexpr const char* notifications_secret = "notifications-secret";
constexpr const char* notifications_api_key = "notifications-key";

std::string token_for(const std::string& sub) {
  using namespace std::chrono;
  auto exp = duration_cast<seconds>(system_clock::now().time_since_epoch()).count() + 3600;
  return sign_token(json{{"sub", sub}, {"exp", exp}, {"streams", {"user:" + sub}}}.dump(), notifications_secret);
}

/// POST /api/publish; returns the id.
std::string publish(uint16_t port, const std::string& stream, const json& data) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::post, "/api/publish", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, std::string{"Bearer "} + notifications_api_key);
  req.body() = json{{"stream", stream}, {"client", "notifications"}, {"data", data}}.dump();
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  EXPECT_EQ(res.result_int(), 200u) << res.body();
  return json::parse(res.body()).at("id").get<std::string>();
}

/// One socket of `user` with a notifications client on `user:<user>`.
struct inbox {
  inbox(uint16_t port, const std::string& user, const std::string& strategy = "streams")
    : stream("user:" + user),
      ws(port, ws_client::target(json::array({{{"name", "notifications"},
                                               {"stream", stream},
                                               {"strategy", strategy}}}),
                                 {{"token", token_for(user)}})) {
    auto welcome = ws.read_json();
    EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
    if (strategy == "streams")
      history = ws.read_until([&](const json& f) {
                    return is_event(f, "history", stream, "notifications");
                  }).back()["data"]["notifications"];
  }

  json next(const std::string& event) {
    return ws.read_until([&](const json& f) { return is_event(f, event, stream, "notifications"); })
      .back();
  }

  std::string stream;
  ws_client ws;
  json history = json::array();
};

class notifications_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    start_server({std::string{"--auth.secret="} + notifications_secret, std::string{"--api.key="} + notifications_api_key});
  }
  static void TearDownTestSuite() { stop_server(); }
};

std::string fresh_user() {
  static int n = 0;
  return "u" + std::to_string(++n) + test_stream().substr(2, 8);
}

TEST_F(notifications_test, ApiPublishArrivesWithItsId) {
  auto user = fresh_user();
  inbox tab(port(), user);
  EXPECT_TRUE(tab.history.empty());
  auto id = publish(port(), tab.stream, {{"title", "Build passed"}});
  auto n = tab.next("notification");
  EXPECT_EQ(n["id"], id);
  EXPECT_EQ(n["data"]["title"], "Build passed");
}

TEST_F(notifications_test, HistoryHoldsOnlyUnreadAndReadMarksSurviveReconnect) {
  auto user = fresh_user();
  std::string stream = "user:" + user;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(publish(port(), stream, {{"n", i}}));
  {
    inbox tab(port(), user);
    ASSERT_EQ(tab.history.size(), 3u);
    EXPECT_EQ(tab.history[0]["id"], ids[0]);
    EXPECT_EQ(tab.history[2]["data"]["n"], 2);
    tab.ws.send_json({{"client", "notifications"}, {"stream", stream}, {"event", "read"},
                      {"ref", "r1"}, {"data", {{"id", ids[1]}}}});
    auto ack = tab.ws.read_until([](const json& f) { return is_ack(f, "r1"); }).back();
    EXPECT_EQ(ack["id"], ids[1]);
    tab.ws.close();
  }
  inbox again(port(), user);
  ASSERT_EQ(again.history.size(), 1u) << again.history;
  EXPECT_EQ(again.history[0]["id"], ids[2]);
}

TEST_F(notifications_test, ReadMarkReachesTheUsersOtherTabsOnly) {
  auto user = fresh_user();
  auto id = publish(port(), "user:" + user, {{"title", "hi"}});
  inbox reader(port(), user);
  inbox other_tab(port(), user);
  inbox pubsub_tab(port(), user, "pub-sub");
  reader.ws.send_json({{"client", "notifications"}, {"stream", reader.stream}, {"event", "read"},
                       {"ref", "r"}, {"data", {{"id", id}}}});
  EXPECT_EQ(other_tab.next("read")["data"]["id"], id);
  EXPECT_EQ(pubsub_tab.next("read")["data"]["id"], id);
  // The reader gets its ack, and its own read event never arrives: the next
  // event it sees is a later notification.
  auto later = publish(port(), reader.stream, {{"title", "later"}});
  auto frames = reader.ws.read_until([&](const json& f) {
    return is_event(f, "notification", reader.stream, "notifications");
  });
  for (auto& f : frames)
    EXPECT_FALSE(is_event(f, "read", reader.stream, "notifications")) << f;
  EXPECT_EQ(frames.back()["id"], later);
}

TEST_F(notifications_test, BadReadGetsInvalidFrame) {
  inbox tab(port(), fresh_user());
  tab.ws.send_json({{"client", "notifications"}, {"stream", tab.stream}, {"event", "read"},
                    {"ref", "bad"}, {"data", {{"id", "yesterday"}}}});
  auto err = tab.ws.read_until([](const json& f) { return is_error(f, "bad"); }).back();
  EXPECT_EQ(err["code"], "invalid_frame");
}

TEST_F(notifications_test, ReadWithAnIdThatIsNotAStringGetsInvalidFrameAndThePluginLives) {
  inbox tab(port(), fresh_user());
  for (auto id : {json(5), json::array({"1-0"}), json::object(), json(true)}) {
    tab.ws.send_json({{"client", "notifications"}, {"stream", tab.stream}, {"event", "read"},
                      {"ref", "bad"}, {"data", {{"id", id}}}});
    auto err = tab.ws.read_until([](const json& f) { return is_error(f, "bad"); }).back();
    EXPECT_EQ(err["code"], "invalid_frame") << id;
  }
  tab.ws.send_json({{"client", "notifications"}, {"stream", tab.stream}, {"event", "read"},
                    {"ref", "good"}, {"data", {{"id", "1-0"}}}});
  auto ack = tab.ws.read_until([](const json& f) { return is_ack(f, "good") || is_error(f, "good"); });
  EXPECT_TRUE(is_ack(ack.back(), "good")) << ack.back();
}

TEST_F(notifications_test, OtherUsersInboxesAreForbidden) {
  ws_client ws(port(), ws_client::target(json::array({{{"name", "notifications"},
                                                       {"stream", "user:someone-else"}}}),
                                         {{"token", token_for("me")}}));
  EXPECT_EQ(ws.read_json().value("code", ""), "forbidden");
}

TEST_F(notifications_test, XaddStraightToRedisArrives) {
  SB_REDIS_ONLY();
  auto user = fresh_user();
  inbox tab(port(), user);
  auto id = shared_redis().command(
    {"XADD", tab.stream + ":notifications", "*", "data", R"({"title":"from redis-cli"})"});
  auto n = tab.next("notification");
  EXPECT_EQ(n["id"], id);
  EXPECT_EQ(n["data"]["title"], "from redis-cli");
  shared_redis().command({"PUBLISH", tab.stream + ":notifications", R"({"title":"ephemeral"})"});
  EXPECT_EQ(tab.next("notification")["data"]["title"], "ephemeral");
}

// Found by fuzz/redis_reply_fuzzer: a backend's bytes that are not UTF-8
// (in data or in the event name) stopped the stream's topic, and with it
// every later notification. They arrive with U+FFFD instead.
TEST_F(notifications_test, BytesThatAreNotUtf8FromRedisArriveReplacedAndLaterOnesToo) {
  SB_REDIS_ONLY();
  inbox tab(port(), fresh_user());
  auto key = tab.stream + ":notifications";
  shared_redis().command({"XADD", key, "*", "event", "notification", "data", "caf\xe9"});
  EXPECT_EQ(tab.next("notification")["data"], "caf\xef\xbf\xbd");
  shared_redis().command({"XADD", key, "*", "event", "n\xff", "data", "{}"});
  EXPECT_EQ(tab.next("n\xef\xbf\xbd")["data"], json::object());
  shared_redis().command({"PUBLISH", key, "\xc3("});
  EXPECT_EQ(tab.next("notification")["data"], "\xef\xbf\xbd(");
  auto id = shared_redis().command({"XADD", key, "*", "data", R"({"title":"still here"})"});
  auto n = tab.next("notification");
  EXPECT_EQ(n["id"], id);
  EXPECT_EQ(n["data"]["title"], "still here");
}

} // namespace
} // namespace sb::test
