// The relay plugin (`plugins.<name>.relay = true`): client events passed
// to the stream's other sockets with the sender's user stamped in,
// ephemeral on pub-sub, stored and resumable on streams; events outside
// the list refused; the usual rate limit and metrics.

#include "net/auth.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/plugin_socket.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

namespace sb::test {
namespace {

class relay_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    start_server({"--limits.commands-per-second=0", "--plugins.typing.relay",
                  "--plugins.typing.events=typing,stopped", "--plugins.cursor.relay=true",
                  "--plugins.cursor.events=[\"move\"]", "--plugins.cursor.max-length=100"});
  }
  static void TearDownTestSuite() { stop_server(); }

  std::unique_ptr<plugin_socket> join(const std::string& plugin, const std::string& stream,
                                      const std::string& name, const std::string& strategy = {},
                                      const std::string& since = {}) {
    return std::make_unique<plugin_socket>(
      port(), json::array({plugin_spec(plugin, stream, strategy, since)}),
      params{{"name", name}});
  }
};

TEST_F(relay_test, an_allowed_event_reaches_the_others_with_the_senders_user) {
  auto stream = test_stream();
  auto ada = join("typing", stream, "Ada");
  auto grace = join("typing", stream, "Grace");
  auto ack = ada->command("typing", stream, "typing", {{"field", "title"}});
  EXPECT_TRUE(is_ack(ack, ack.value("ref", ""))) << ack;
  EXPECT_FALSE(ack.contains("id")) << "pub-sub events are not stored: " << ack;
  auto event = grace->until_event("typing", "typing").back();
  EXPECT_EQ(event, (json{{"client", "typing"},
                         {"stream", stream},
                         {"event", "typing"},
                         {"data", {{"field", "title"}, {"user", ada->user}}}}));
  // The sender gets no copy: Grace's event is the next thing Ada reads.
  grace->command("typing", stream, "stopped");
  auto seen = ada->until_event("typing", "stopped");
  ASSERT_EQ(seen.size(), 1u) << json(seen);
  EXPECT_EQ(seen[0]["data"]["user"], grace->user);
}

TEST_F(relay_test, the_user_comes_from_the_session_never_from_the_client) {
  auto stream = test_stream();
  auto mallory = join("typing", stream, "Mallory");
  auto ada = join("typing", stream, "Ada");
  mallory->command("typing", stream, "typing",
                   {{"user", {{"id", ada->user["id"]}, {"name", "Ada"}}}});
  auto event = ada->until_event("typing", "typing").back();
  EXPECT_EQ(event["data"]["user"], mallory->user) << event;
  EXPECT_NE(event["data"]["user"]["id"], ada->user["id"]);
}

TEST_F(relay_test, an_event_outside_the_list_is_refused_and_goes_nowhere) {
  auto stream = test_stream();
  auto ada = join("typing", stream, "Ada");
  auto grace = join("typing", stream, "Grace");
  auto err = ada->command("typing", stream, "shout", {{"text", "HI"}});
  EXPECT_EQ(err.value("type", ""), "error") << err;
  EXPECT_EQ(err.value("code", ""), "invalid_frame") << err;
  EXPECT_EQ(err.value("message", ""), "typing relays typing, stopped; not \"shout\"");
  ada->command("typing", stream, "stopped");
  auto seen = grace->until_event("typing", "stopped");
  EXPECT_EQ(seen.size(), 1u) << "the refused event reached another socket: " << json(seen);
}

TEST_F(relay_test, on_streams_events_are_stored_with_ids_and_replayed_after_since) {
  auto stream = test_stream();
  auto ada = join("cursor", stream, "Ada", "streams");
  auto grace = join("cursor", stream, "Grace", "streams");
  auto ref1 = ada->send("cursor", stream, "move", {{"x", 1}});
  auto ref2 = ada->send("cursor", stream, "move", {{"x", 2}});
  // Every streams member gets each entry with its id, the sender included:
  // the stream is everyone's log. Ada reads her acks and her events.
  std::vector<json> acks, moves;
  ada->ws.read_until([&](const json& f) {
    if (is_ack(f, ref1) || is_ack(f, ref2))
      acks.push_back(f);
    if (is_event(f, "move", stream, "cursor"))
      moves.push_back(f);
    return acks.size() == 2 && moves.size() == 2;
  });
  auto id1 = acks[0].value("id", "");
  auto id2 = acks[1].value("id", "");
  ASSERT_TRUE(is_ack(acks[0], ref1)) << json(acks);
  EXPECT_TRUE(id_less(id1, id2)) << json(acks);
  EXPECT_EQ(moves[0].value("id", ""), id1);
  EXPECT_EQ(moves[1].value("id", ""), id2);
  auto frames = grace->until_event("cursor", "move");
  EXPECT_EQ(frames.back().value("id", ""), id1) << json(frames);
  EXPECT_EQ(frames.back()["data"], (json{{"x", 1}, {"user", ada->user}}));
  EXPECT_EQ(grace->until_event("cursor", "move").back().value("id", ""), id2);
  auto late = join("cursor", stream, "Late", "streams", id1);
  EXPECT_EQ(late->welcome["clients"][0]["recovered"], true) << late->welcome;
  auto replayed = late->ws.read_json();
  EXPECT_TRUE(is_event(replayed, "move", stream, "cursor")) << replayed;
  EXPECT_EQ(replayed.value("id", ""), id2);
  EXPECT_EQ(replayed["data"]["x"], 2);
}

TEST_F(relay_test, a_pub_sub_socket_and_a_streams_socket_share_the_stream) {
  auto stream = test_stream();
  auto live = join("cursor", stream, "Live");
  auto logged = join("cursor", stream, "Logged", "streams");
  logged->command("cursor", stream, "move", {{"x", 5}});
  auto event = live->until_event("cursor", "move").back();
  EXPECT_FALSE(event.contains("id")) << "pub-sub frames carry no id: " << event;
  EXPECT_EQ(event["data"]["user"], logged->user);
  live->command("cursor", stream, "move", {{"x", 6}});
  auto back = logged->ws.read_until([](const json& f) {
    return is_event(f, "move", {}, "cursor") && f["data"]["x"] == 6;
  });
  EXPECT_EQ(back.back()["data"]["user"], live->user);
}

TEST_F(relay_test, relayed_commands_are_counted_like_any_other) {
  auto stream = test_stream();
  auto ada = join("typing", stream, "Ada");
  auto before = scrape(port());
  ada->command("typing", stream, "typing");
  auto series = R"(switchboard_commands_total{plugin="typing",event="typing"})";
  auto after = scrape_until(port(), [&](const samples& s) { return s.count(series); },
                            std::chrono::seconds(5));
  EXPECT_EQ(after[series], (before.count(series) ? before[series] : 0) + 1);
}

TEST(relay_limits, the_sockets_rate_limit_applies) {
  server_process server({"--limits.commands-burst=3", "--limits.commands-per-second=1",
                         "--plugins.typing.relay", "--plugins.typing.events=typing"});
  auto stream = test_stream();
  plugin_socket ada(server.port(), json::array({plugin_spec("typing", stream)}));
  std::vector<std::string> codes;
  for (int i = 0; i < 5; ++i) {
    auto answer = ada.command("typing", stream, "typing");
    codes.push_back(answer.value("type", "") == "ack" ? "ack" : answer.value("code", ""));
  }
  // The fourth might sneak in if a second passed: the fifth cannot.
  EXPECT_EQ(codes[0], "ack");
  EXPECT_EQ(codes[4], "rate_limited") << json(codes);
}

// Custom plugins pass the same checks as chat: a token's `streams` decide
// which streams a relay or a loaded plugin may attach to, and the relay
// stamps the token's user.
TEST(custom_plugin_auth, a_tokens_streams_apply_to_relays_and_loaded_plugins) {
  SB_SKIP_IN_REDIS_MODE();
  constexpr const char* secret = "relay-secret";
  server_process server({std::string{"--auth.secret="} + secret, "--plugins.typing.relay",
                         "--plugins.typing.events=typing",
                         "--plugins.load=" SWITCHBOARD_PROBE_PLUGIN});
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch() + std::chrono::hours(1))
               .count();
  auto claims = [&](const std::string& sub, const std::string& name) {
    return json{{"sub", sub}, {"name", name}, {"exp", exp}, {"streams", {"room:*"}}}.dump();
  };
  auto specs = json::array({plugin_spec("typing", "room:1"), plugin_spec("typing", "secret:1"),
                            plugin_spec("probe", "secret:2"), plugin_spec("probe", "room:2")});
  plugin_socket ada(server.port(), specs, params{{"token", sign_token(claims("u1", "Ada"), secret)}});
  ASSERT_EQ(ada.welcome["clients"].size(), 2u) << ada.welcome;
  EXPECT_EQ(ada.welcome["clients"][0]["name"], "typing");
  EXPECT_EQ(ada.welcome["clients"][1]["name"], "probe");
  std::vector<std::string> forbidden;
  ada.ws.read_until([&](const json& f) {
    if (f.value("code", "") == "forbidden")
      forbidden.push_back(f.value("stream", ""));
    return forbidden.size() == 2;
  });
  std::sort(forbidden.begin(), forbidden.end());
  EXPECT_EQ(forbidden, (std::vector<std::string>{"secret:1", "secret:2"}));
  plugin_socket grace(server.port(), json::array({plugin_spec("typing", "room:1")}),
                      params{{"token", sign_token(claims("u2", "Grace"), secret)}});
  ada.command("typing", "room:1", "typing");
  auto event = grace.until_event("typing", "typing").back();
  EXPECT_EQ(event["data"]["user"], (json{{"id", "u1"}, {"name", "Ada"}}));
}

TEST(relay_config, a_relay_without_events_stops_start_up) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--plugins.typing.relay"}, server_process::mode::raw);
  auto status = server.wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status) << server.logs_tail();
  EXPECT_EQ(*status, 2);
  EXPECT_NE(server.logs().find("--plugins.typing.relay: plugins.typing.events must list"),
            std::string::npos)
    << server.logs();
}

} // namespace
} // namespace sb::test
