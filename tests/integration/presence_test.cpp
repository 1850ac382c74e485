// The presence plugin (PROTOCOL §4): `state` on start, `join` only for a
// user's first connection and `leave` only for their last, on either
// broker; with Redis, across nodes, and a node killed with SIGKILL makes
// its users leave within presence.ttl.

#include "net/auth.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <set>
#include <thread>

namespace sb::test {
namespace {

constexpr const char* presence_secret = "presence-secret";

std::string token_for(const std::string& sub, const std::string& name) {
  using namespace std::chrono;
  auto exp = duration_cast<seconds>(system_clock::now().time_since_epoch()).count() + 3600;
  return sign_token(json{{"sub", sub}, {"name", name}, {"exp", exp}, {"streams", {"*"}}}.dump(),
                    presence_secret);
}

/// A socket with one presence client on `stream`, signed in as `sub`.
struct member {
  member(uint16_t port, const std::string& stream, const std::string& sub)
    : stream(stream),
      ws(port, ws_client::target(json::array({{{"name", "presence"}, {"stream", stream}}}),
                                 {{"token", token_for(sub, "User " + sub)}})) {
    auto welcome = ws.read_json();
    EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
    state = ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); }).back();
  }

  /// The ids in the `state` event.
  std::set<std::string> ids() const {
    std::set<std::string> out;
    for (auto& u : state["data"]["users"])
      out.insert(u["id"].get<std::string>());
    return out;
  }

  /// The next join or leave event.
  json next_change() {
    return ws.read_until([&](const json& f) {
      return is_event(f, "join", stream, "presence") || is_event(f, "leave", stream, "presence");
    }).back();
  }

  std::string stream;
  ws_client ws;
  json state;
};

class presence_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({std::string{"--auth.secret="} + presence_secret}); }
  static void TearDownTestSuite() { stop_server(); }
};

TEST_F(presence_test, StateListsEveryoneAndJoinGoesToOthers) {
  auto stream = test_stream();
  member ada(port(), stream, "ada");
  EXPECT_EQ(ada.ids(), (std::set<std::string>{"ada"}));
  EXPECT_EQ(ada.state["data"]["users"][0]["name"], "User ada");
  EXPECT_EQ(ada.state["data"]["users"][0]["connections"], 1);
  auto self_join = ada.next_change(); // a socket sees its own user join
  EXPECT_EQ(self_join["event"], "join");
  member grace(port(), stream, "grace");
  EXPECT_EQ(grace.ids(), (std::set<std::string>{"ada", "grace"}));
  auto join = ada.next_change();
  EXPECT_EQ(join["event"], "join");
  EXPECT_EQ(join["data"]["user"]["id"], "grace");
}

TEST_F(presence_test, SecondTabJoinsNothingAndOnlyTheLastTabLeaves) {
  auto stream = test_stream();
  member watcher(port(), stream, "watcher");
  watcher.next_change(); // its own join
  auto tab1 = std::make_unique<member>(port(), stream, "ada");
  EXPECT_EQ(watcher.next_change()["data"]["user"]["id"], "ada");
  auto tab2 = std::make_unique<member>(port(), stream, "ada");
  EXPECT_EQ(tab2->state["data"]["users"].size(), 2u);
  for (auto& u : tab2->state["data"]["users"]) {
    if (u["id"] == "ada") {
      EXPECT_EQ(u["connections"], 2);
    }
  }
  tab1->ws.close();
  tab1.reset();
  // No leave for ada yet: a marker join proves the order of events.
  member marker(port(), stream, "marker");
  auto change = watcher.next_change();
  EXPECT_EQ(change["event"], "join") << change;
  EXPECT_EQ(change["data"]["user"]["id"], "marker") << "a second tab must not join, "
                                                       "and closing one of two must not leave";
  tab2->ws.close();
  tab2.reset();
  auto leave = watcher.next_change();
  EXPECT_EQ(leave["event"], "leave");
  EXPECT_EQ(leave["data"]["user"]["id"], "ada");
}

TEST(presence_heartbeat_test, AConnectedUserStaysPastTheTtl) {
  // Registrations expire after presence.ttl unless refreshed: the room's
  // topic pulses its members every ttl/3, and each refreshes its socket.
  std::vector<std::string> args{std::string{"--auth.secret="} + presence_secret,
                                "--presence.ttl=600ms"};
  server_process node(args);
  auto stream = test_stream();
  member ada(node.port(), stream, "ada");
  ada.next_change(); // her own join
  std::this_thread::sleep_for(std::chrono::milliseconds(1800)); // three ttls pass
  member grace(node.port(), stream, "grace");
  EXPECT_EQ(grace.ids(), (std::set<std::string>{"ada", "grace"}));
  EXPECT_EQ(ada.next_change()["data"]["user"]["id"], "grace") << "ada never left";
}

TEST(presence_cluster_test, UsersOnBothNodesAndSigkillLeavesWithinTheTtl) {
  if (!redis_mode()) GTEST_SKIP() << "needs two nodes on Redis";
  std::vector<std::string> args{std::string{"--auth.secret="} + presence_secret, "--presence.ttl=1500ms"};
  server_process node1(args);
  auto node2 = std::make_unique<server_process>(args);
  auto stream = test_stream();
  member ada(node1.port(), stream, "ada");
  ada.next_change();
  {
    member grace(node2->port(), stream, "grace");
    EXPECT_EQ(grace.ids(), (std::set<std::string>{"ada", "grace"}));
    EXPECT_EQ(ada.next_change()["data"]["user"]["id"], "grace");
    node2->signal(SIGKILL); // no clean-up: only expiry can remove grace
    node2->wait_exit(std::chrono::seconds(5));
  }
  auto started = std::chrono::steady_clock::now();
  auto leave = ada.next_change();
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(leave["event"], "leave");
  EXPECT_EQ(leave["data"]["user"]["id"], "grace");
  EXPECT_LE(waited, std::chrono::milliseconds(1500 + 500)) << "leave after the ttl";
}

} // namespace
} // namespace sb::test
