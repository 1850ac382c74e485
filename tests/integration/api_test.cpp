// The server HTTP API (PROTOCOL §5): every route with and without the key,
// 400s with a JSON error for bad bodies, and its effects on sockets.

#include "actors/disconnector.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace sb::test {
namespace {

namespace http = boost::beast::http;
constexpr const char* api_key = "test-api-key";

http_response post(uint16_t port, const std::string& target, const std::string& body,
                   const std::string& key = api_key) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  if (!key.empty())
    req.set(http::field::authorization, "Bearer " + key);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {res.result_int(), res.body(), {}};
}

http_response get(uint16_t port, const std::string& target, const std::string& key = api_key) {
  params headers;
  if (!key.empty())
    headers.emplace_back("Authorization", "Bearer " + key);
  return http_get(port, target, headers);
}

class api_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({std::string{"--api.key="} + api_key}); }
  static void TearDownTestSuite() { stop_server(); }
};

TEST_F(api_test, EveryRouteNeedsTheKey) {
  for (auto* target : {"/api/history?stream=s:1", "/api/presence?stream=s:1"}) {
    EXPECT_EQ(get(port(), target, "").status, 401u) << target;
    EXPECT_EQ(get(port(), target, "wrong").status, 401u) << target;
  }
  for (auto* target : {"/api/publish", "/api/disconnect"}) {
    auto res = post(port(), target, "{}", "");
    EXPECT_EQ(res.status, 401u) << target;
    EXPECT_TRUE(json::parse(res.body).contains("error")) << res.body;
  }
}

TEST_F(api_test, PublishReachesStreamsAndPubSubSockets) {
  auto stream = test_stream();
  ws_client streams(port(), ws_client::target(json::array({chat_spec(stream, "streams")})));
  ws_client pubsub(port(), ws_client::target(json::array({chat_spec(stream, "pub-sub")})));
  for (auto* ws : {&streams, &pubsub})
    ws->read_until([&](const json& f) { return is_event(f, "history", stream); });
  auto res = post(port(), "/api/publish",
                  json{{"stream", stream}, {"client", "chat"}, {"event", "message"},
                       {"data", {{"text", "from the backend"}}}}.dump());
  ASSERT_EQ(res.status, 200u) << res.body;
  auto id = json::parse(res.body).at("id").get<std::string>();
  auto on_streams = streams.read_until([&](const json& f) { return is_event(f, "message", stream); });
  EXPECT_EQ(on_streams.back()["id"], id);
  EXPECT_EQ(on_streams.back()["data"]["text"], "from the backend");
  auto on_pubsub = pubsub.read_until([&](const json& f) { return is_event(f, "message", stream); });
  EXPECT_FALSE(on_pubsub.back().contains("id"));
  EXPECT_EQ(on_pubsub.back()["data"]["text"], "from the backend");
}

TEST_F(api_test, PubSubPublishIsNotStoredAndHasNoId) {
  auto stream = test_stream();
  auto res = post(port(), "/api/publish",
                  json{{"stream", stream}, {"client", "chat"}, {"strategy", "pub-sub"},
                       {"event", "typing"}, {"data", {{"user", "u1"}}}}.dump());
  ASSERT_EQ(res.status, 200u) << res.body;
  EXPECT_TRUE(json::parse(res.body).at("id").is_null());
  auto history = get(port(), "/api/history?stream=" + stream + "&client=chat");
  EXPECT_EQ(json::parse(history.body).at("entries").size(), 0u);
}

TEST_F(api_test, HistoryReturnsEntriesOldestFirstWithLimitAndSince) {
  auto stream = test_stream();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto res = post(port(), "/api/publish",
                    json{{"stream", stream}, {"client", "chat"}, {"data", {{"n", i}}}}.dump());
    ids.push_back(json::parse(res.body).at("id").get<std::string>());
  }
  auto all = json::parse(get(port(), "/api/history?stream=" + stream + "&client=chat").body);
  ASSERT_EQ(all.at("entries").size(), 5u);
  EXPECT_EQ(all["entries"][0]["id"], ids[0]);
  EXPECT_EQ(all["entries"][4]["data"]["n"], 4);
  auto last2 = json::parse(get(port(), "/api/history?stream=" + stream + "&limit=2").body);
  ASSERT_EQ(last2.at("entries").size(), 2u);
  EXPECT_EQ(last2["entries"][0]["id"], ids[3]);
  auto after = json::parse(get(port(), "/api/history?stream=" + stream + "&since=" + ids[2]).body);
  ASSERT_EQ(after.at("entries").size(), 2u);
  EXPECT_EQ(after["entries"][0]["id"], ids[3]);
}

TEST_F(api_test, BadBodiesAndParametersGet400WithAJsonError) {
  auto bad_post = [&](const std::string& target, const std::string& body) {
    auto res = post(port(), target, body);
    EXPECT_EQ(res.status, 400u) << target << " " << body;
    EXPECT_TRUE(json::parse(res.body, nullptr, false).contains("error")) << res.body;
  };
  bad_post("/api/publish", "not json");
  bad_post("/api/publish", "[1]");
  bad_post("/api/publish", R"({"stream":"bad stream!","client":"chat"})");
  bad_post("/api/publish", R"({"stream":"s:1","client":"nope"})");
  bad_post("/api/publish", R"({"stream":"s:1","client":"chat","strategy":"pigeon"})");
  bad_post("/api/publish", R"({"stream":"s:1","client":"chat","data":)"
                             + std::string(100, '[') + std::string(100, ']') + "}");
  bad_post("/api/disconnect", "{}");
  bad_post("/api/disconnect", R"({"user":"a","socket":"b"})");
  // Fields of the wrong type: each once ended the server (an exception on
  // its event loop), found while fuzzing the API bodies.
  bad_post("/api/publish", R"({"stream":5,"client":"chat"})");
  bad_post("/api/publish", R"({"stream":"s:1","client":["chat"]})");
  bad_post("/api/publish", R"({"stream":"s:1","client":"chat","event":7})");
  bad_post("/api/publish", R"({"stream":"s:1","client":"chat","strategy":true})");
  bad_post("/api/disconnect", R"({"user":5})");
  bad_post("/api/disconnect", R"({"socket":{"id":"x"}})");
  EXPECT_EQ(get(port(), "/healthz", "").status, 200u) << "the server did not survive";
  for (auto* target : {"/api/history", "/api/history?stream=s:1&limit=0",
                       "/api/history?stream=s:1&limit=x", "/api/history?stream=s:1&since=yesterday",
                       "/api/history?stream=s:1&client=nope"}) {
    auto res = get(port(), target);
    EXPECT_EQ(res.status, 400u) << target;
    EXPECT_TRUE(json::parse(res.body, nullptr, false).contains("error")) << res.body;
  }
}

TEST_F(api_test, DisconnectClosesBySocketAndByUser) {
  auto stream = test_stream();
  ws_client a(port(), ws_client::target(json::array({chat_spec(stream)})));
  ws_client b(port(), ws_client::target(json::array({chat_spec(stream)})));
  auto welcome_a = a.read_json();
  auto welcome_b = b.read_json();
  auto res = post(port(), "/api/disconnect", json{{"socket", welcome_a["socket"]}}.dump());
  ASSERT_EQ(res.status, 200u) << res.body;
  EXPECT_EQ(json::parse(res.body)["closed"], 1);
  auto closed = a.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "Disconnected by the server");
  res = post(port(), "/api/disconnect", json{{"user", welcome_b["user"]["id"]}}.dump());
  EXPECT_EQ(json::parse(res.body)["closed"], 1);
  EXPECT_EQ(b.expect_close().code, 1008);
  res = post(port(), "/api/disconnect", json{{"user", "nobody"}}.dump());
  EXPECT_EQ(json::parse(res.body)["closed"], 0);
}

TEST_F(api_test, PresenceListsTheOnlineUsers) {
  auto stream = test_stream();
  EXPECT_EQ(json::parse(get(port(), "/api/presence?stream=" + stream).body),
            json::parse(R"({"users":[],"count":0})"));
  ws_client ws(port(), ws_client::target(json::array({{{"name", "presence"}, {"stream", stream}}}),
                                         {{"name", "Ada"}}));
  auto welcome = ws.read_json();
  ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); });
  auto users = json::parse(get(port(), "/api/presence?stream=" + stream).body).at("users");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["id"], welcome["user"]["id"]);
  EXPECT_EQ(users[0]["name"], "Ada");
  EXPECT_EQ(users[0]["connections"], 1);
  EXPECT_EQ(get(port(), "/api/presence?stream=bad%21stream").status, 400u);
}

TEST(api_cluster_test, DisconnectReachesSocketsOnOtherNodes) {
  SB_REDIS_ONLY();
  server_process node1({std::string{"--api.key="} + api_key});
  server_process node2({std::string{"--api.key="} + api_key});
  // Anyone with Redis access can publish on the channel: requests of the
  // wrong shape are ignored (one with a number for `user` once stopped
  // node2's disconnector), and the real one below still works.
  for (auto* bad : {R"({"user":5,"origin":"x"})", R"({"socket":[1],"origin":"x"})", "[]", "\xff"})
    shared_redis().command({"PUBLISH", disconnect_channel, bad});
  auto stream = test_stream();
  ws_client far(node2.port(), ws_client::target(json::array({chat_spec(stream)})));
  auto user = far.read_json()["user"]["id"].get<std::string>();
  auto res = post(node1.port(), "/api/disconnect", json{{"user", user}}.dump());
  ASSERT_EQ(res.status, 200u) << res.body;
  EXPECT_EQ(json::parse(res.body)["closed"], 0); // none on the answering node
  auto closed = far.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "Disconnected by the server");
}

TEST(api_demo_test, DemoNotifyWorksOnlyWhenEnabled) {
  server_process off;
  EXPECT_EQ(post(off.port(), "/api/demo/notify", R"({"stream":"user:x"})", "").status, 404u);
  server_process on({"--demo.enabled"});
  auto stream = test_stream();
  ws_client ws(on.port(), ws_client::target(json::array({{{"name", "notifications"},
                                                          {"stream", stream},
                                                          {"strategy", "streams"}}})));
  ws.read_until([&](const json& f) { return is_event(f, "history", stream, "notifications"); });
  auto res = post(on.port(), "/api/demo/notify",
                  json{{"stream", stream}, {"data", {{"title", "test"}}}}.dump(), "");
  ASSERT_EQ(res.status, 200u) << res.body;
  auto n = ws.read_until([&](const json& f) {
    return is_event(f, "notification", stream, "notifications");
  }).back();
  EXPECT_EQ(n["data"]["title"], "test");
  EXPECT_EQ(n["id"], json::parse(res.body)["id"]);
  // Needs no key: a stream that is not a string once ended the server.
  auto bad = post(on.port(), "/api/demo/notify", R"({"stream":5})", "");
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_EQ(http_get(on.port(), "/healthz").status, 200u) << on.logs_tail();
}

TEST(api_off_test, WithoutAKeyTheApiIsOff) {
  server_process server;
  EXPECT_EQ(post(server.port(), "/api/publish", "{}", "anything").status, 404u);
  EXPECT_EQ(get(server.port(), "/api/history?stream=s:1", "anything").status, 404u);
}

} // namespace
} // namespace sb::test
