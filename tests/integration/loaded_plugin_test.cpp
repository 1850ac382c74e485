// Plugins loaded from shared libraries (`plugins.load`): the typing
// example, built out of tree against an installed prefix (CTest fixture
// plugin-example), serving two sockets; a probe library exercising the
// whole plugin API; and the libraries start-up refuses, exit code 2 and
// the file named.

#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/plugin_socket.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::string typing_plugin() {
  return SWITCHBOARD_TYPING_PLUGIN;
}

class typing_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    if (exists(typing_plugin()))
      start_server({"--plugins.load=" + typing_plugin()});
  }
  static void TearDownTestSuite() { stop_server(); }

  void SetUp() override {
    ASSERT_TRUE(exists(typing_plugin()))
      << typing_plugin() << " is missing: `ctest -R plugin-example` builds it out of tree";
    server_suite::SetUp();
  }

  std::unique_ptr<plugin_socket> join(const std::string& stream, const std::string& name) {
    return std::make_unique<plugin_socket>(port(), json::array({plugin_spec("typing", stream)}),
                                           params{{"name", name}});
  }
};

TEST_F(typing_test, the_other_socket_sees_who_is_typing_and_when_they_stop) {
  auto stream = test_stream();
  auto ada = join(stream, "Ada");
  auto grace = join(stream, "Grace");
  EXPECT_EQ(ada->welcome["clients"][0]["name"], "typing") << ada->welcome;
  EXPECT_EQ(ada->command("typing", stream, "typing").value("type", ""), "ack");
  auto typing = grace->until_event("typing", "typing").back();
  EXPECT_EQ(typing, (json{{"client", "typing"}, {"stream", stream}, {"event", "typing"},
                          {"data", {{"user", ada->user}}}}));
  // Within the second: the extra `typing` is dropped, `stopped` waits for
  // the second to end and then goes out.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ada->command("typing", stream, "typing").value("type", ""), "ack");
  EXPECT_EQ(ada->command("typing", stream, "stopped").value("type", ""), "ack");
  auto frames = grace->until_event("typing", "stopped");
  EXPECT_EQ(frames.size(), 1u) << "a second typing went out: " << json(frames);
  EXPECT_EQ(frames.back()["data"]["user"], ada->user);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 800ms) << "not held to one per second";
  // Ada's socket never sees her own events: Grace's is the next one.
  grace->command("typing", stream, "typing");
  auto seen = ada->until_event("typing", "typing");
  EXPECT_EQ(seen.size(), 1u) << json(seen);
  EXPECT_EQ(seen.back()["data"]["user"], grace->user);
}

TEST_F(typing_test, a_socket_that_closes_while_typing_says_stopped) {
  auto stream = test_stream();
  auto ada = join(stream, "Ada");
  auto grace = join(stream, "Grace");
  ada->command("typing", stream, "typing");
  grace->until_event("typing", "typing");
  ada->ws.close();
  auto stopped = grace->until_event("typing", "stopped").back();
  EXPECT_EQ(stopped["data"]["user"], ada->user);
}

TEST_F(typing_test, unknown_events_are_refused_by_the_plugin) {
  auto stream = test_stream();
  auto ada = join(stream, "Ada");
  auto err = ada->command("typing", stream, "shout");
  EXPECT_EQ(err.value("code", ""), "invalid_frame") << err;
  EXPECT_NE(err.value("message", "").find("typing and stopped"), std::string::npos) << err;
}

// --- the whole API, through the probe library -------------------------------------------

class probe_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    start_server({"--limits.commands-per-second=0",
                  "--plugins.load=[\"" SWITCHBOARD_PROBE_PLUGIN "\"]"});
  }
  static void TearDownTestSuite() { stop_server(); }

  std::unique_ptr<plugin_socket> join(const std::string& stream, const std::string& strategy = {},
                                      const std::string& since = {}) {
    return std::make_unique<plugin_socket>(
      port(), json::array({plugin_spec("probe", stream, strategy, since)}));
  }

  /// A pub-sub member past its catch-up (the probe's `history`).
  std::unique_ptr<plugin_socket> member(const std::string& stream) {
    auto socket = join(stream);
    EXPECT_TRUE(is_event(socket->ws.read_json(), "history", stream, "probe"));
    return socket;
  }
};

TEST_F(probe_test, open_sends_the_catch_up_then_append_stores_and_delivers) {
  auto stream = test_stream();
  auto ada = join(stream, "streams");
  EXPECT_EQ(ada->ws.read_json(),
            (json{{"client", "probe"}, {"stream", stream}, {"event", "history"},
                  {"data", {{"entries", json::array()}}}}));
  auto grace = join(stream, "streams");
  grace->ws.read_json(); // its empty history
  auto ack = ada->command("probe", stream, "append", {{"note", "hi"}});
  ASSERT_EQ(ack.value("type", ""), "ack") << ack;
  auto id = ack.value("id", "");
  auto note = grace->until_event("probe", "note").back();
  EXPECT_EQ(note.value("id", ""), id);
  EXPECT_EQ(note["data"], (json{{"note", "hi"}}));
  // A later socket finds it in history; one resuming after it gets the
  // next one replayed, and welcome says nothing was lost.
  auto late = join(stream, "streams");
  auto history = late->ws.read_json();
  EXPECT_EQ(history["data"]["entries"], (json::array({{{"id", id}, {"data", {{"note", "hi"}}}}})));
  auto ack2 = ada->command("probe", stream, "append", {{"note", "again"}});
  auto resumed = join(stream, "streams", id);
  EXPECT_EQ(resumed->welcome["clients"][0]["recovered"], true) << resumed->welcome;
  auto replayed = resumed->ws.read_json();
  EXPECT_TRUE(is_event(replayed, "note", stream, "probe")) << replayed;
  EXPECT_EQ(replayed.value("id", ""), ack2.value("id", "-"));
  EXPECT_EQ(replayed["data"], (json{{"note", "again"}}));
}

TEST_F(probe_test, publish_reaches_everyone_or_only_the_others) {
  auto stream = test_stream();
  auto ada = member(stream);
  auto grace = member(stream);
  auto frames = ada->until_answer(ada->send("probe", stream, "publish", {{"n", 1}}));
  auto all = grace->until_event("probe", "ping").back();
  EXPECT_EQ(all["data"]["n"], 1);
  bool pinged = false; // the ack may come before Ada's own ping
  for (auto& f : frames)
    pinged = pinged || is_event(f, "ping", stream, "probe");
  if (!pinged) {
    EXPECT_EQ(ada->until_event("probe", "ping").back()["data"]["n"], 1);
  }
  ada->command("probe", stream, "publish", {{"n", 2}, {"others", true}});
  EXPECT_EQ(grace->until_event("probe", "ping").back()["data"]["n"], 2);
  grace->command("probe", stream, "publish", {{"n", 3}, {"others", true}});
  auto seen = ada->until_event("probe", "ping");
  EXPECT_EQ(seen.back()["data"]["n"], 3) << "Ada got her own others-only ping: " << json(seen);
}

TEST_F(probe_test, send_and_timers_reach_this_socket_and_bad_data_is_dropped) {
  auto stream = test_stream();
  auto ada = member(stream);
  auto frames = ada->until_answer(ada->send("probe", stream, "echo", {{"x", 1}}));
  ASSERT_EQ(frames.size(), 2u) << json(frames);
  EXPECT_EQ(frames[0], (json{{"client", "probe"}, {"stream", stream}, {"event", "echo"},
                             {"data", {{"x", 1}}}}));
  ada->command("probe", stream, "later");
  EXPECT_TRUE(is_event(ada->ws.read_json(), "later", stream, "probe"));
  auto bad = ada->until_answer(ada->send("probe", stream, "bad"));
  EXPECT_EQ(bad.size(), 1u) << "data that is not JSON must not reach the socket: " << json(bad);
}

TEST_F(probe_test, a_plugin_that_throws_fails_the_command_not_the_socket) {
  auto stream = test_stream();
  auto ada = member(stream);
  auto err = ada->command("probe", stream, "throw");
  EXPECT_EQ(err.value("code", ""), "internal") << err;
  EXPECT_EQ(ada->command("probe", stream, "echo").value("type", ""), "ack");
  EXPECT_TRUE(server().wait_for_log("threw in message: probe throws in message", 5s));
}

TEST_F(probe_test, open_may_refuse_or_fail_a_spec_and_the_others_start) {
  auto refused = test_stream("r");
  plugin_socket ada(port(), json::array({plugin_spec("probe", "refuse:" + refused),
                                         plugin_spec("probe", "throw:" + refused),
                                         plugin_spec("chat", refused)}));
  EXPECT_EQ(ada.welcome["clients"].size(), 1u) << ada.welcome;
  auto errors = ada.ws.read_until([](const json& f) { return f.value("code", "") == "internal"; });
  auto forbidden = errors.front();
  EXPECT_EQ(forbidden.value("code", ""), "forbidden") << json(errors);
  EXPECT_EQ(forbidden.value("message", ""), "probe refuses refuse:" + refused);
  EXPECT_EQ(forbidden.value("stream", ""), "refuse:" + refused);
  EXPECT_EQ(errors.back().value("stream", ""), "throw:" + refused);
  // The refused instance is not closed (the probe throws if it is).
  EXPECT_FALSE(server().wait_for_log("probe closed after a refused open", 500ms));
}

TEST_F(probe_test, close_still_sends_what_the_plugin_says_on_its_way_out) {
  auto stream = test_stream();
  auto ada = member(stream);
  auto grace = member(stream);
  ada->ws.close();
  auto bye = grace->until_event("probe", "bye").back();
  EXPECT_EQ(bye["data"]["user"], ada->user);
}

// --- libraries start-up refuses -------------------------------------------------------------

/// Runs the server with `args`; expects exit 2 and one line naming `file`.
void expect_refused(const std::vector<std::string>& args, const std::string& file,
                    const std::string& why) {
  server_process server(args, server_process::mode::raw);
  auto status = server.wait_exit(10s);
  ASSERT_TRUE(status) << "the server started; stderr:\n" << server.logs_tail();
  EXPECT_EQ(*status, 2) << server.logs_tail();
  auto err = server.logs();
  while (!err.empty() && err.back() == '\n')
    err.pop_back();
  EXPECT_EQ(err.find('\n'), std::string::npos) << "not one line:\n" << err;
  EXPECT_NE(err.find(file), std::string::npos) << err;
  EXPECT_NE(err.find(why), std::string::npos) << err;
}

TEST(plugin_libraries, a_wrong_api_version_stops_start_up) {
  SB_SKIP_IN_REDIS_MODE();
  expect_refused({"--plugins.load=" SWITCHBOARD_WRONG_VERSION_PLUGIN},
                 SWITCHBOARD_WRONG_VERSION_PLUGIN, "was built against plugin API version 2");
}

TEST(plugin_libraries, a_missing_file_stops_start_up_with_the_loaders_reason) {
  SB_SKIP_IN_REDIS_MODE();
  expect_refused({"--plugins.load=/nonexistent/libnothing.so"}, "/nonexistent/libnothing.so",
                 "No such file or directory");
}

TEST(plugin_libraries, a_library_without_the_entry_point_stops_start_up) {
  SB_SKIP_IN_REDIS_MODE();
  expect_refused({"--plugins.load=" SWITCHBOARD_NO_ENTRY_LIBRARY}, SWITCHBOARD_NO_ENTRY_LIBRARY,
                 "has no switchboard_plugin_module entry point");
}

TEST(plugin_libraries, a_name_taken_twice_stops_start_up) {
  SB_SKIP_IN_REDIS_MODE();
  expect_refused({"--plugins.probe.relay", "--plugins.probe.events=x",
                  "--plugins.load=" SWITCHBOARD_PROBE_PLUGIN},
                 SWITCHBOARD_PROBE_PLUGIN, "a plugin named probe is already defined");
  expect_refused({"--plugins.chat.relay", "--plugins.chat.events=x"}, "--plugins.chat",
                 "plugins.chat: a built-in plugin has that name");
}

TEST(plugin_libraries, check_config_loads_them_too) {
  SB_SKIP_IN_REDIS_MODE();
  expect_refused({"check-config", "--plugins.load=/nonexistent/lib.so"}, "/nonexistent/lib.so",
                 "cannot load plugin library");
}

} // namespace
} // namespace sb::test
