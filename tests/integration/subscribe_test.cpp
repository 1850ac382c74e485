// Protocol version 2 (PROTOCOL §2.1): plugins that come and go on an open
// socket. `?v=2` allows a URL without specs; subscribe gets the handshake's
// checks (validation, duplicates, auth globs, since/recovered, the live spec
// limit) and one reply with an outcome per spec; unsubscribe runs the close
// hook and nothing of the spec follows its reply; the last unsubscribe
// leaves the socket open; rate limits count both. Runs on both brokers.

#include "net/auth.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

json control(const std::string& type, const json& clients, const std::string& ref) {
  return {{"type", type}, {"ref", ref}, {"clients", clients}};
}

/// A version 2 socket: connects with `?v=2`, reads welcome, and runs
/// subscribe/unsubscribe in lock-step with their replies.
class v2_socket {
public:
  v2_socket(uint16_t port, const json& clients = nullptr, params extra = {}) {
    extra.emplace_back("v", "2");
    ws.connect(port, clients.is_null() ? ws_client::target(extra) : ws_client::target(clients, extra));
    welcome = ws.read_json();
    if (welcome.value("type", "") != "welcome")
      throw std::runtime_error("expected welcome, got " + welcome.dump());
  }

  /// Sends the command and reads up to and including its reply; the frames
  /// before the reply land in `before`.
  json run(const std::string& type, const json& clients) {
    auto ref = "c" + std::to_string(++refs_);
    ws.send_json(control(type, clients, ref));
    auto frames = ws.read_until([&](const json& f) { return f.value("ref", json()) == ref; });
    auto reply = frames.back();
    frames.pop_back();
    before = std::move(frames);
    return reply;
  }
  json subscribe(const json& clients) { return run("subscribe", clients); }
  json unsubscribe(const json& clients) { return run("unsubscribe", clients); }

  ws_client ws;
  json welcome;
  std::vector<json> before;

private:
  int refs_ = 0;
};

using frame_test = std::function<bool(const json&)>;

/// Reads until every test matched a frame (in any order); returns the
/// frames that matched, in the tests' order.
std::vector<json> read_all_of(ws_client& ws, std::vector<frame_test> tests) {
  std::vector<json> found(tests.size());
  size_t missing = tests.size();
  while (missing > 0) {
    auto f = ws.read_json();
    for (size_t i = 0; i < tests.size(); ++i)
      if (found[i].is_null() && tests[i](f)) {
        found[i] = f;
        --missing;
        break;
      }
  }
  return found;
}

json outcome(const json& reply, size_t i = 0) {
  return reply.at("clients").at(i);
}

class subscribe_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    start_server({"--limits.commands-per-second=0", "--limits.specs-per-socket=4",
                  "--api.key=test-key"});
  }
  static void TearDownTestSuite() { stop_server(); }
};

// --- connecting ------------------------------------------------------------------------

TEST_F(subscribe_test, VersionTwoMayConnectWithoutSpecsAndStaysOpen) {
  v2_socket s(port());
  EXPECT_EQ(s.welcome.at("clients"), json::array());
  EXPECT_TRUE(s.welcome.at("user").at("id").is_string());
  // Open and idle: a subscribe works on it.
  auto stream = test_stream();
  auto reply = s.subscribe(json::array({chat_spec(stream)}));
  EXPECT_EQ(outcome(reply).value("ok", false), true) << reply;
  v2_socket empty_array(port(), json::array());
  EXPECT_EQ(empty_array.welcome.at("clients"), json::array());
}

TEST_F(subscribe_test, VersionOneWithoutSpecsStillCloses1008) {
  ws_client bare(port(), "/ws");
  auto closed = bare.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "No clients specified");
  ws_client empty(port(), ws_client::target(json::array()));
  EXPECT_EQ(empty.expect_close().reason, "No clients specified");
  ws_client v1(port(), ws_client::target(params{{"v", "1"}}));
  EXPECT_EQ(v1.expect_close().reason, "No clients specified");
}

TEST_F(subscribe_test, AnUnknownVersionCloses1008) {
  ws_client ws(port(), ws_client::target(params{{"v", "3"}}));
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "Unsupported protocol version");
}

TEST_F(subscribe_test, VersionTwoWithOnlyBadSpecsStaysOpenWithTheirErrors) {
  v2_socket s(port(), json::array({{{"name", "nope"}, {"stream", "x:1"}}}));
  EXPECT_EQ(s.welcome.at("clients"), json::array());
  auto err = s.ws.read_json();
  EXPECT_EQ(err.value("code", ""), "unknown_plugin") << err;
  auto reply = s.subscribe(json::array({chat_spec(test_stream())}));
  EXPECT_TRUE(outcome(reply).value("ok", false)) << reply;
}

// --- subscribe -----------------------------------------------------------------------------

TEST_F(subscribe_test, SubscribeRepliesFirstThenCatchUpThenLive) {
  auto stream = test_stream();
  v2_socket writer(port(), json::array({chat_spec(stream, "streams")}));
  writer.ws.read_n(2); // history, own joined
  writer.ws.send_json(send_command(stream, "before", "w1"));
  writer.ws.read_until([](const json& f) { return is_ack(f, "w1"); });

  v2_socket s(port());
  auto reply = s.subscribe(json::array({chat_spec(stream, "streams")}));
  EXPECT_TRUE(s.before.empty()) << json(s.before);
  EXPECT_EQ(reply.value("type", ""), "ack");
  EXPECT_EQ(reply.value("ref", ""), "c1");
  EXPECT_EQ(outcome(reply), (json{{"name", "chat"}, {"stream", stream}, {"ok", true},
                                  {"strategy", "streams"}}));
  auto history = s.ws.read_json();
  ASSERT_TRUE(is_event(history, "history", stream)) << history;
  ASSERT_EQ(history["data"]["messages"].size(), 1u);
  EXPECT_EQ(history["data"]["messages"][0]["text"], "before");
  auto joined = s.ws.read_json();
  EXPECT_TRUE(is_event(joined, "joined", stream)) << joined;
  // Live, and commands to the new client work.
  s.ws.send_json(send_command(stream, "after", "s1"));
  auto got = read_all_of(s.ws, {[](const json& f) { return is_ack(f, "s1"); },
                                [](const json& f) { return is_event(f, "message"); }});
  EXPECT_EQ(got[1]["data"]["text"], "after");
}

TEST_F(subscribe_test, OneReplyWithAnOutcomePerSpecInOrder) {
  v2_socket s(port());
  auto a = test_stream("a");
  auto reply = s.subscribe(json::array({
    chat_spec(a),
    {{"name", "nope"}, {"stream", a}},
    {{"name", "chat"}, {"stream", "bad stream!"}},
    {{"name", "chat"}, {"stream", a + ".x"}, {"strategy", "kafka"}},
    {{"name", "chat"}, {"stream", a + ".y"}, {"since", "1-0"}},
    presence_spec(a),
  }));
  auto& out = reply.at("clients");
  ASSERT_EQ(out.size(), 6u) << reply;
  EXPECT_TRUE(out[0].value("ok", false));
  EXPECT_EQ(out[1].value("code", ""), "unknown_plugin");
  EXPECT_EQ(out[1].value("name", ""), "nope");
  EXPECT_EQ(out[2].value("code", ""), "invalid_stream");
  EXPECT_EQ(out[3].value("code", ""), "invalid_strategy");
  EXPECT_EQ(out[4].value("code", ""), "invalid_frame") << "since needs streams";
  EXPECT_TRUE(out[5].value("ok", false));
  for (size_t i = 1; i < 5; ++i) {
    EXPECT_EQ(out[i].value("ok", true), false) << out[i];
    EXPECT_TRUE(out[i].at("message").is_string()) << out[i];
  }
  // The catch-ups follow in spec order: chat's history, chat's joined, presence's state.
  auto history = s.ws.read_json();
  EXPECT_TRUE(is_event(history, "history", a)) << history;
}

TEST_F(subscribe_test, SubscribingTwiceIsAnErrorAndTheFirstKeepsWorking) {
  auto stream = test_stream();
  v2_socket s(port(), json::array({chat_spec(stream)}));
  s.ws.read_n(2); // history, joined
  auto again = s.subscribe(json::array({chat_spec(stream, "streams")}));
  EXPECT_EQ(outcome(again).value("ok", true), false);
  EXPECT_EQ(outcome(again).value("code", ""), "invalid_frame") << again;
  EXPECT_TRUE(s.before.empty());
  auto twice = s.subscribe(json::array({chat_spec(stream + ".2"), chat_spec(stream + ".2")}));
  EXPECT_TRUE(outcome(twice, 0).value("ok", false));
  EXPECT_EQ(outcome(twice, 1).value("code", ""), "invalid_frame");
  s.ws.read_n(2); // the new one's history and joined
  // The first still delivers, once: a marker on the other stream, sent
  // after, comes after every copy.
  s.ws.send_json(send_command(stream, "still here", "r1"));
  auto frames = s.ws.read_until([](const json& f) { return is_ack(f, "r1"); });
  s.ws.send_json(send_command(stream + ".2", "marker", "r2"));
  auto rest = s.ws.read_until([&](const json& f) { return is_event(f, "message", stream + ".2"); });
  frames.insert(frames.end(), rest.begin(), rest.end());
  size_t messages = 0;
  for (auto& f : frames)
    messages += is_event(f, "message", stream);
  EXPECT_EQ(messages, 1u) << json(frames);
}

TEST_F(subscribe_test, TheSpecLimitCountsTheLiveTotal) {
  auto base = test_stream();
  v2_socket s(port(), json::array({chat_spec(base + ".1"), chat_spec(base + ".2")}));
  s.ws.read_n(4);
  auto reply = s.subscribe(json::array({chat_spec(base + ".3"), chat_spec(base + ".4"),
                                        chat_spec(base + ".5")}));
  EXPECT_TRUE(outcome(reply, 0).value("ok", false)) << reply;
  EXPECT_TRUE(outcome(reply, 1).value("ok", false)) << reply;
  EXPECT_EQ(outcome(reply, 2).value("code", ""), "too_large") << reply;
  s.ws.read_n(4);
  // A place freed by unsubscribe can be taken again.
  auto gone = s.unsubscribe(json::array({chat_spec(base + ".1")}));
  EXPECT_TRUE(outcome(gone).value("ok", false)) << gone;
  auto retry = s.subscribe(json::array({chat_spec(base + ".5")}));
  EXPECT_TRUE(outcome(retry).value("ok", false)) << retry;
}

TEST_F(subscribe_test, SinceIsReplayedWithRecovered) {
  auto stream = test_stream();
  v2_socket writer(port(), json::array({chat_spec(stream, "streams")}));
  writer.ws.read_n(2);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    writer.ws.send_json(send_command(stream, "m" + std::to_string(i), "w" + std::to_string(i)));
    auto frames = writer.ws.read_until(
      [&](const json& f) { return is_ack(f, "w" + std::to_string(i)); });
    ids.push_back(frames.back().at("id").get<std::string>());
  }
  v2_socket s(port());
  auto reply = s.subscribe(json::array({chat_spec(stream, "streams", ids[0])}));
  EXPECT_EQ(outcome(reply).value("recovered", false), true) << reply;
  for (int i = 1; i < 3; ++i) {
    auto f = s.ws.read_json();
    ASSERT_TRUE(is_event(f, "message", stream)) << f;
    EXPECT_EQ(f.value("id", ""), ids[i]);
  }
  auto never = s.subscribe(json::array({chat_spec(stream + ".gone", "streams", "999-0")}));
  EXPECT_EQ(outcome(never).value("recovered", true), false) << never;
}

TEST_F(subscribe_test, MalformedControlCommandsGetAnErrorWithTheirRef) {
  v2_socket s(port());
  s.ws.send_json({{"type", "subscribe"}, {"ref", "a"}, {"clients", "chat"}});
  auto a = s.ws.read_json();
  EXPECT_TRUE(is_error(a, "a")) << a;
  EXPECT_EQ(a.value("code", ""), "invalid_frame");
  s.ws.send_json({{"type", "subscribe"}, {"ref", "b"}, {"clients", json::array()}});
  EXPECT_TRUE(is_error(s.ws.read_json(), "b"));
  s.ws.send_json({{"type", "join"}, {"ref", "c"}, {"clients", json::array({chat_spec("x:1")})}});
  EXPECT_TRUE(is_error(s.ws.read_json(), "c"));
  s.ws.send_json({{"type", "unsubscribe"}, {"ref", "d"}, {"clients", json::array({1})}});
  EXPECT_TRUE(is_error(s.ws.read_json(), "d"));
  // A well-formed one still works after them.
  auto reply = s.subscribe(json::array({chat_spec(test_stream())}));
  EXPECT_TRUE(outcome(reply).value("ok", false)) << reply;
}

// --- unsubscribe ---------------------------------------------------------------------------

TEST_F(subscribe_test, UnsubscribeRunsTheCloseHookAndNothingFollowsTheReply) {
  auto stream = test_stream();
  v2_socket other(port(), json::array({chat_spec(stream), presence_spec(stream)}));
  other.ws.read_until([](const json& f) { return is_event(f, "state", {}, "presence"); });
  v2_socket s(port(), json::array({chat_spec(stream), presence_spec(stream)}));
  auto user = s.welcome.at("user");
  other.ws.read_until([&](const json& f) { return is_event(f, "join", stream, "presence"); });

  auto reply = s.unsubscribe(json::array({{{"name", "chat"}, {"stream", stream}},
                                          {{"name", "presence"}, {"stream", stream}}}));
  EXPECT_EQ(reply.at("clients"), (json::array({{{"name", "chat"}, {"stream", stream}, {"ok", true}},
                                               {{"name", "presence"}, {"stream", stream}, {"ok", true}}})));
  // chat `left` and presence `leave` reach the others.
  auto hooks = read_all_of(other.ws, {[&](const json& f) { return is_event(f, "left", stream); },
                                      [&](const json& f) {
                                        return is_event(f, "leave", stream, "presence");
                                      }});
  EXPECT_EQ(hooks[0]["data"]["user"], user);
  EXPECT_EQ(hooks[1]["data"]["user"]["id"], user["id"]);
  // After the reply nothing of either spec reaches the socket: the other
  // sends, then a marker on a stream still subscribed proves time passed.
  auto marker = test_stream("marker");
  auto sub = s.subscribe(json::array({chat_spec(marker)}));
  EXPECT_TRUE(s.before.empty()) << json(s.before);
  s.ws.read_n(2);
  for (int i = 0; i < 5; ++i)
    other.ws.send_json(send_command(stream, "after " + std::to_string(i)));
  other.ws.read_until([](const json& f) { return is_event(f, "message") && f["data"]["text"] == "after 4"; });
  v2_socket marker_writer(port(), json::array({chat_spec(marker)}));
  marker_writer.ws.send_json(send_command(marker, "marker"));
  auto frames = s.ws.read_until([&](const json& f) { return is_event(f, "message", marker); });
  for (auto& f : frames)
    EXPECT_NE(f.value("stream", ""), stream) << f;
  EXPECT_TRUE(s.ws.is_open());
}

TEST_F(subscribe_test, UnsubscribingWhatIsNotThereIsUnknownClient) {
  auto stream = test_stream();
  v2_socket s(port(), json::array({chat_spec(stream)}));
  s.ws.read_n(2);
  auto reply = s.unsubscribe(json::array({{{"name", "chat"}, {"stream", stream + ".other"}},
                                          {{"name", "chat"}},
                                          {{"name", "chat"}, {"stream", stream}}}));
  EXPECT_EQ(outcome(reply, 0).value("code", ""), "unknown_client") << reply;
  EXPECT_EQ(outcome(reply, 1).value("code", ""), "invalid_frame") << reply;
  EXPECT_TRUE(outcome(reply, 2).value("ok", false)) << reply;
}

TEST_F(subscribe_test, UnsubscribingTheLastSpecLeavesTheSocketOpen) {
  auto stream = test_stream();
  v2_socket s(port(), json::array({chat_spec(stream)}));
  s.ws.read_n(2);
  auto reply = s.unsubscribe(json::array({chat_spec(stream)}));
  EXPECT_TRUE(outcome(reply).value("ok", false)) << reply;
  // Idle, not closed: a command to the old spec is unknown_client, and a
  // subscribe brings it back.
  s.ws.send_json(send_command(stream, "gone?", "x"));
  auto err = s.ws.read_json();
  EXPECT_TRUE(is_error(err, "x")) << err;
  EXPECT_EQ(err.value("code", ""), "unknown_client");
  auto again = s.subscribe(json::array({chat_spec(stream)}));
  EXPECT_TRUE(outcome(again).value("ok", false)) << again;
  auto history = s.ws.read_json();
  EXPECT_TRUE(is_event(history, "history", stream)) << history;
}

TEST_F(subscribe_test, CommandsAfterASubscribeWaitForItsReply) {
  auto stream = test_stream();
  v2_socket s(port());
  // Subscribe and a send to the new spec in one burst: the send sees it.
  s.ws.send_json(control("subscribe", json::array({chat_spec(stream)}), "c"));
  s.ws.send_json(send_command(stream, "right away", "m"));
  auto frames = s.ws.read_until([](const json& f) { return is_ack(f, "m"); });
  EXPECT_TRUE(is_ack(frames.front(), "c")) << json(frames);
  for (auto& f : frames)
    EXPECT_FALSE(is_error(f, "m")) << f;
}

TEST_F(subscribe_test, SubscribesAndUnsubscribesAreCounted) {
  auto metric = [&](const std::string& name) {
    auto body = http_get(port(), "/metrics").body;
    auto at = body.find("\nswitchboard_" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(body.find(' ', at + 1) + 1));
  };
  auto subs = metric("subscribed_specs_total");
  auto unsubs = metric("unsubscribed_specs_total");
  auto opened = metric("sockets_opened_total");
  v2_socket s(port());
  auto stream = test_stream();
  s.subscribe(json::array({chat_spec(stream)}));
  s.unsubscribe(json::array({chat_spec(stream)}));
  EXPECT_EQ(metric("subscribed_specs_total"), subs + 1);
  EXPECT_EQ(metric("unsubscribed_specs_total"), unsubs + 1);
  EXPECT_EQ(metric("sockets_opened_total"), opened + 1);
}

// --- permissions and rate limits -----------------------------------------------------

TEST(subscribe_auth_test, SubscribeChecksTheTokensStreamGlobs) {
  server_process server({"--auth.secret=sekrit", "--limits.commands-per-second=0"});
  using namespace std::chrono;
  auto exp = duration_cast<seconds>(system_clock::now().time_since_epoch() + hours(1)).count();
  auto token = sign_token(json{{"sub", "u1"}, {"exp", exp}, {"streams", {"room:*"}}}.dump(),
                          "sekrit");
  v2_socket s(server.port(), nullptr, {{"token", token}});
  auto reply = s.subscribe(json::array({chat_spec("room:1"), chat_spec("secret:1")}));
  EXPECT_TRUE(outcome(reply, 0).value("ok", false)) << reply;
  EXPECT_EQ(outcome(reply, 1).value("code", ""), "forbidden") << reply;
  EXPECT_EQ(outcome(reply, 1).value("stream", ""), "secret:1");
}

TEST(subscribe_rate_test, ControlCommandsCountAgainstTheRateLimit) {
  server_process server({"--limits.commands-burst=3", "--limits.commands-per-second=1"});
  v2_socket s(server.port());
  for (int i = 0; i < 5; ++i)
    s.ws.send_json(control("unsubscribe", json::array({chat_spec("x:" + std::to_string(i))}),
                           "r" + std::to_string(i)));
  auto frames = s.ws.read_n(5);
  size_t limited = 0;
  for (auto& f : frames)
    limited += f.value("code", "") == "rate_limited";
  EXPECT_EQ(limited, 2u) << json(frames);
  EXPECT_TRUE(is_error(frames.back(), "r4")) << json(frames);
}

} // namespace
} // namespace sb::test
