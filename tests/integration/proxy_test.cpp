// The proxy plugin (`plugins.<name>.proxy = URL`): hooks POSTed to a
// backend inside the test, which checks the Bearer key, on open, command
// and close; what its answers make the server do (catch-up, replies,
// broadcasts, acks, errors, refusals); and what a slow, failing, absent or
// confused backend does: nothing to any other socket or command.

#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/plugin_socket.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/test_backend.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <memory>
#include <string>

namespace sb::test {
namespace {

using namespace std::chrono_literals;
constexpr const char* proxy_api_key = "proxy-test-key";

std::string hook_url(uint16_t port, const std::string& name) {
  return "http://127.0.0.1:" + std::to_string(port) + "/hooks/" + name;
}

class proxy_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    backend_ = std::make_unique<test_backend>(proxy_api_key);
    auto b = backend_->port();
    start_server({"--limits.commands-per-second=0", std::string{"--api.key="} + proxy_api_key,
                  "--plugins.votes.proxy=" + hook_url(b, "votes"),
                  "--plugins.votes.timeout=1s",
                  "--plugins.polls.proxy=" + hook_url(b, "polls"),
                  "--plugins.polls.events=vote,close", "--plugins.polls.timeout=300ms",
                  "--plugins.slow.proxy=" + hook_url(b, "slow"), "--plugins.slow.timeout=5s",
                  "--plugins.gone.proxy=http://127.0.0.1:" + std::to_string(free_port()) + "/"});
  }
  static void TearDownTestSuite() {
    stop_server();
    backend_.reset();
  }
  void SetUp() override {
    server_suite::SetUp();
    backend_->set_handler([](const json&) { return backend_answer{}; });
  }

  static test_backend& backend() { return *backend_; }

  std::unique_ptr<plugin_socket> join(const std::string& plugin, const std::string& stream,
                                      const std::string& name, const std::string& strategy = {}) {
    return std::make_unique<plugin_socket>(
      port(), json::array({plugin_spec(plugin, stream, strategy)}), params{{"name", name}});
  }

private:
  static std::unique_ptr<test_backend> backend_;
};

std::unique_ptr<test_backend> proxy_test::backend_;

TEST_F(proxy_test, open_posts_the_hook_with_the_key_and_its_reply_is_the_catch_up) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] == "open")
      return backend_answer{200, R"({"reply":[{"event":"state","data":{"votes":3}}]})"};
    return backend_answer{};
  });
  auto ada = join("votes", stream, "Ada");
  EXPECT_EQ(ada->ws.read_json(), (json{{"client", "votes"}, {"stream", stream},
                                       {"event", "state"}, {"data", {{"votes", 3}}}}));
  auto opens = backend().hooks("open", stream);
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0], (json{{"hook", "open"}, {"plugin", "votes"},
                            {"socket", ada->welcome["socket"]}, {"user", ada->user},
                            {"stream", stream}, {"strategy", "pub-sub"}, {"event", nullptr},
                            {"ref", nullptr}, {"data", nullptr}}));
  EXPECT_EQ(backend().unauthorized(), 0u) << "the backend saw a request without the Bearer key";
}

TEST_F(proxy_test, a_command_is_posted_and_its_answer_replies_broadcasts_and_acks) {
  auto stream = test_stream();
  auto ada = join("votes", stream, "Ada");
  auto grace = join("votes", stream, "Grace");
  backend().set_handler([](const json& hook) {
    if (hook["hook"] != "message")
      return backend_answer{};
    json answer = {{"reply", {{{"event", "receipt"}, {"data", {{"choice", hook["data"]["choice"]}}}}}},
                   {"broadcast", {{{"event", "tally"}, {"data", {{"b", 1}}}}}}};
    return backend_answer{200, answer.dump()};
  });
  auto ref = ada->send("votes", stream, "vote", {{"choice", "b"}});
  auto frames = ada->until_answer(ref);
  ASSERT_EQ(frames.back().value("type", ""), "ack") << json(frames);
  // The reply comes before the ack (one path, through the connection); the
  // broadcast through the topic may pass either (docs/PROTOCOL.md).
  auto receipt = std::find_if(frames.begin(), frames.end(), [&](const json& f) {
    return is_event(f, "receipt", stream, "votes");
  });
  ASSERT_NE(receipt, frames.end()) << json(frames);
  EXPECT_EQ((*receipt)["data"]["choice"], "b");
  auto message = backend().hooks("message", stream).at(0);
  EXPECT_EQ(message["event"], "vote");
  EXPECT_EQ(message["ref"], ref);
  EXPECT_EQ(message["data"], (json{{"choice", "b"}}));
  EXPECT_EQ(message["user"], ada->user);
  // The broadcast reaches everyone on the stream, the sender too.
  auto tally = grace->until_event("votes", "tally");
  EXPECT_EQ(tally.size(), 1u) << "Grace got the receipt meant for Ada: " << json(tally);
  EXPECT_EQ(tally.back()["data"], (json{{"b", 1}}));
  EXPECT_FALSE(tally.back().contains("id"));
  // Ada's tally came before the ack (anywhere among its frames) or after it.
  bool got_tally = std::any_of(frames.begin(), frames.end(), [&](const json& f) {
    return is_event(f, "tally", stream, "votes");
  });
  if (!got_tally) {
    EXPECT_EQ(ada->until_event("votes", "tally").back()["data"], (json{{"b", 1}}));
  }
}

TEST_F(proxy_test, on_streams_broadcasts_are_stored_and_the_ack_carries_the_id) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] != "message")
      return backend_answer{};
    return backend_answer{200, R"({"broadcast":[{"event":"tally","data":{"n":1}}]})"};
  });
  auto ada = join("votes", stream, "Ada", "streams");
  auto ack = ada->command("votes", stream, "vote");
  auto id = ack.value("id", "");
  EXPECT_FALSE(id.empty()) << ack;
  auto late = join("votes", stream, "Late", "streams");
  auto resumed = std::make_unique<plugin_socket>(
    port(), json::array({plugin_spec("votes", stream, "streams", "0-1")}));
  auto replayed = resumed->ws.read_json();
  EXPECT_TRUE(is_event(replayed, "tally", stream, "votes")) << replayed;
  EXPECT_EQ(replayed.value("id", ""), id);
  EXPECT_EQ(backend().hooks("open", stream).back().value("since", ""), "0-1");
}

TEST_F(proxy_test, the_backend_may_fail_a_command_and_unlisted_events_never_reach_it) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] == "message")
      return backend_answer{200, R"({"error":{"code":"forbidden","message":"poll closed"}})"};
    return backend_answer{};
  });
  auto ada = join("polls", stream, "Ada");
  auto err = ada->command("polls", stream, "vote");
  EXPECT_EQ(err.value("code", ""), "forbidden") << err;
  EXPECT_EQ(err.value("message", ""), "poll closed");
  auto unlisted = ada->command("polls", stream, "stuff");
  EXPECT_EQ(unlisted.value("code", ""), "invalid_frame") << unlisted;
  EXPECT_EQ(unlisted.value("message", ""), "polls accepts vote, close; not \"stuff\"");
  EXPECT_EQ(backend().hooks("message", stream).size(), 1u);
}

TEST_F(proxy_test, close_posts_the_hook_and_its_broadcast_reaches_the_others) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] == "close")
      return backend_answer{200, json{{"broadcast", {{{"event", "left"},
                                                     {"data", {{"user", hook["user"]}}}}}}}.dump()};
    return backend_answer{};
  });
  auto ada = join("votes", stream, "Ada");
  auto grace = join("votes", stream, "Grace");
  ada->ws.close();
  auto left = grace->until_event("votes", "left").back();
  EXPECT_EQ(left["data"]["user"], ada->user);
  ASSERT_TRUE(backend().wait_for("close", stream, 1));
  EXPECT_EQ(backend().hooks("close", stream)[0]["socket"], ada->welcome["socket"]);
}

TEST_F(proxy_test, a_refused_open_is_forbidden_and_the_other_specs_start) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] == "open")
      return backend_answer{200, R"({"accept":false,"message":"members only"})"};
    return backend_answer{};
  });
  plugin_socket ada(port(), json::array({plugin_spec("votes", stream), chat_spec(stream)}));
  ASSERT_EQ(ada.welcome["clients"].size(), 1u) << ada.welcome;
  EXPECT_EQ(ada.welcome["clients"][0]["name"], "chat");
  auto err = ada.ws.read_json();
  EXPECT_EQ(err, (json{{"type", "error"}, {"client", "votes"}, {"stream", stream},
                       {"code", "forbidden"}, {"message", "members only"}}));
  ws_client only(port(), ws_client::target(json::array({plugin_spec("votes", stream)})));
  EXPECT_EQ(only.read_json().value("code", ""), "forbidden");
  EXPECT_EQ(only.expect_close().code, 1008);
  EXPECT_TRUE(backend().hooks("close", stream).empty()) << "close for a refused spec";
}

TEST_F(proxy_test, a_two_second_stall_holds_up_no_other_command_or_socket) {
  auto stream = test_stream();
  backend().set_handler([](const json& hook) {
    if (hook["hook"] == "message")
      return backend_answer{200, "{}", 2s};
    return backend_answer{};
  });
  plugin_socket ada(port(), json::array({plugin_spec("slow", stream), chat_spec(stream)}));
  ada.ws.read_until([&](const json& f) { return is_event(f, "joined", stream); });
  chat_peer grace(port(), stream, "");
  auto t0 = std::chrono::steady_clock::now();
  auto slow_ref = ada.send("slow", stream, "think");
  // While the backend thinks: Grace's chat and Ada's own chat both flow.
  for (int i = 0; i < 5; ++i)
    grace.say("flowing " + std::to_string(i));
  auto chat_ref = ada.send("chat", stream, "send", {{"text", "me too"}});
  auto frames = ada.ws.read_until([&](const json& f) { return is_ack(f, chat_ref); });
  auto chat_done = std::chrono::steady_clock::now() - t0;
  for (auto& f : frames)
    EXPECT_FALSE(is_ack(f, slow_ref) || is_error(f, slow_ref)) << "the stall ended first";
  EXPECT_LT(chat_done, 1500ms);
  auto slow = ada.until_answer(slow_ref).back();
  EXPECT_EQ(slow.value("type", ""), "ack") << slow;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1900ms);
}

TEST_F(proxy_test, a_backend_slower_than_the_timeout_gives_unavailable) {
  auto stream = test_stream();
  auto ada = join("polls", stream, "Ada");
  backend().set_handler([](const json&) { return backend_answer{200, "{}", 1s}; });
  auto err = ada->command("polls", stream, "vote");
  EXPECT_EQ(err.value("code", ""), "unavailable") << err;
  EXPECT_NE(err.value("message", "").find("no answer within 300 ms"), std::string::npos) << err;
  backend().set_handler([](const json&) { return backend_answer{}; });
  EXPECT_EQ(ada->command("polls", stream, "vote").value("type", ""), "ack")
    << "the connection of the timed-out request must not be reused half-read";
}

TEST_F(proxy_test, errors_and_malformed_answers_say_so) {
  auto stream = test_stream();
  auto ada = join("votes", stream, "Ada");
  backend().set_handler([](const json&) { return backend_answer{500, "oops"}; });
  auto err = ada->command("votes", stream, "vote");
  EXPECT_EQ(err.value("code", ""), "unavailable") << err;
  EXPECT_EQ(err.value("message", ""), "the backend answered HTTP 500");
  backend().set_handler([](const json&) { return backend_answer{200, "<html>"}; });
  err = ada->command("votes", stream, "vote");
  EXPECT_EQ(err.value("code", ""), "internal") << err;
  EXPECT_EQ(err.value("message", ""), "the backend's answer is malformed: not JSON");
  backend().set_handler([](const json&) { return backend_answer{200, R"({"reply":"x"})"}; });
  err = ada->command("votes", stream, "vote");
  EXPECT_NE(err.value("message", "").find("reply must be a list"), std::string::npos) << err;
  auto metrics = scrape(port());
  EXPECT_GE(metrics[R"(switchboard_backend_requests_total{plugin="votes",outcome="malformed"})"],
            2.0);
}

TEST_F(proxy_test, a_backend_that_is_down_gives_unavailable) {
  auto stream = test_stream();
  ws_client ws(port(), ws_client::target(json::array({plugin_spec("gone", stream)})));
  auto err = ws.read_json();
  EXPECT_EQ(err.value("code", ""), "unavailable") << err;
  EXPECT_NE(err.value("message", "").find("the backend is unavailable"), std::string::npos) << err;
  EXPECT_EQ(ws.expect_close().code, 1008);
}

TEST(proxy_down, a_backend_that_goes_away_fails_commands_then_recovers) {
  auto backend = std::make_unique<test_backend>(proxy_api_key);
  auto b = backend->port();
  server_process server({std::string{"--api.key="} + proxy_api_key,
                         "--plugins.votes.proxy=" + hook_url(b, "votes"),
                         "--plugins.votes.timeout=1s"});
  auto stream = test_stream();
  plugin_socket ada(server.port(), json::array({plugin_spec("votes", stream)}));
  EXPECT_EQ(ada.command("votes", stream, "vote").value("type", ""), "ack");
  backend->stop(); // its pooled connection is closed under the server's feet
  auto err = ada.command("votes", stream, "vote");
  EXPECT_EQ(err.value("code", ""), "unavailable") << err;
}

TEST(proxy_key, without_an_api_key_hooks_carry_no_authorization) {
  SB_SKIP_IN_REDIS_MODE();
  test_backend backend("some-key");
  server_process server({"--plugins.votes.proxy=" + hook_url(backend.port(), "votes")});
  EXPECT_TRUE(server.wait_for_log("no api.key", 1s)) << server.logs_tail();
  ws_client ws(server.port(), ws_client::target(json::array({plugin_spec("votes", "s:1")})));
  EXPECT_EQ(ws.read_json().value("message", ""), "the backend answered HTTP 401")
    << "a backend that checks the key refuses the hooks";
}

} // namespace
} // namespace sb::test
