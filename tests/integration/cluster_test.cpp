// Two nodes on one Redis (PROTOCOL §4 chat, "to every subscriber of that
// stream on every node"): messages on both strategies, joined/left and
// `since` resume across nodes. Runs in integration-redis.

#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

// Two nodes for the whole suite, started only in redis mode.
class cluster_test : public ::testing::TestWithParam<std::string> {
protected:
  static void SetUpTestSuite() {
    if (!redis_mode()) return;
    try {
      for (const auto* id : {"n1", "n2"})
        nodes_.push_back(std::make_unique<server_process>(
          std::vector<std::string>{std::string("--node.id=") + id,
                                   "--limits.commands-per-second=0"}));
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { nodes_.clear(); }

  void SetUp() override {
    SB_REDIS_ONLY();
    ASSERT_EQ(nodes_.size(), 2u) << start_error_;
  }
  void TearDown() override {
    for (auto& n : nodes_)
      if (auto status = n->wait_exit(std::chrono::milliseconds(0)))
        ADD_FAILURE() << "a node exited with " << *status << ":\n" << n->logs_tail();
  }

  static uint16_t port(int node) { return nodes_.at(static_cast<size_t>(node))->port(); }
  const std::string& strategy() const { return GetParam(); }

  std::unique_ptr<chat_peer> join(int node, const std::string& stream) {
    return std::make_unique<chat_peer>(port(node), stream, strategy());
  }

  // Reads `peer`'s next frame and checks it is `other`'s message `text`.
  void expect_message_from(chat_peer& peer, const chat_peer& other, const std::string& text,
                           const std::string& id) {
    auto f = peer.ws.read_json();
    ASSERT_TRUE(is_event(f, "message", peer.stream)) << f;
    EXPECT_EQ(f["data"]["user"], other.user) << f;
    EXPECT_EQ(f["data"]["text"], text) << f;
    if (strategy() == "streams") {
      EXPECT_EQ(f.value("id", ""), id) << f;
    } else {
      EXPECT_FALSE(f.contains("id")) << f;
    }
  }

  static std::vector<std::unique_ptr<server_process>> nodes_;
  static std::string start_error_;
};

std::vector<std::unique_ptr<server_process>> cluster_test::nodes_;
std::string cluster_test::start_error_;

TEST_P(cluster_test, NodesHaveTheirOwnSocketIds) {
  auto a = join(0, test_stream());
  auto b = join(1, test_stream());
  EXPECT_EQ(a->welcome.at("socket").get<std::string>().rfind("n1-", 0), 0u) << a->welcome;
  EXPECT_EQ(b->welcome.at("socket").get<std::string>().rfind("n2-", 0), 0u) << b->welcome;
}

TEST_P(cluster_test, JoinedCrossesNodes) {
  auto stream = test_stream();
  auto a = join(0, stream);
  auto b = join(1, stream);
  auto joined = a->ws.read_json();
  EXPECT_TRUE(is_event(joined, "joined", stream)) << joined;
  EXPECT_EQ(joined["data"]["user"], b->user) << joined;
  auto c = join(0, stream);
  for (auto* p : {a.get(), b.get()}) {
    auto j = p->ws.read_json();
    EXPECT_TRUE(is_event(j, "joined", stream)) << j;
    EXPECT_EQ(j["data"]["user"], c->user) << j;
  }
}

TEST_P(cluster_test, MessagesReachSocketsOnTheOtherNodeBothWays) {
  auto stream = test_stream();
  auto a = join(0, stream);
  auto b = join(1, stream);
  a->ws.read_json();  // b's joined
  auto id = a->say("from n1");
  expect_message_from(*b, *a, "from n1", id);
  id = b->say("from n2");
  expect_message_from(*a, *b, "from n2", id);
}

TEST_P(cluster_test, EveryoneOnBothNodesSeesTheSameOrder) {
  auto stream = test_stream();
  std::vector<std::unique_ptr<chat_peer>> peers;
  for (int i = 0; i < 4; ++i) {
    peers.push_back(join(i % 2, stream));
    for (int j = 0; j < i; ++j)
      peers[static_cast<size_t>(j)]->ws.read_json();  // the newcomer's joined
  }
  for (int round = 0; round < 5; ++round)
    for (size_t p = 0; p < peers.size(); ++p) {
      auto text = std::to_string(p) + "#" + std::to_string(round);
      peers[p]->ws.send_json(send_command(stream, text, text));
    }
  std::vector<std::vector<std::string>> seen(peers.size());
  for (size_t p = 0; p < peers.size(); ++p) {
    size_t acks = 0;
    while (seen[p].size() < 20 || acks < 5) {
      auto f = peers[p]->ws.read_json();
      if (f.value("type", "") == "ack") ++acks;
      if (is_event(f, "message", stream)) seen[p].push_back(f["data"]["text"].get<std::string>());
    }
  }
  for (size_t p = 1; p < peers.size(); ++p)
    EXPECT_EQ(seen[p], seen[0]) << "peer " << p << " (node " << p % 2 + 1 << ")";
}

TEST_P(cluster_test, LeftCrossesNodesOnCloseAndOnDrop) {
  auto stream = test_stream();
  auto a = join(0, stream);
  auto b = join(1, stream);
  auto c = join(1, stream);
  a->ws.read_n(2);  // b's and c's joined
  b->ws.read_json();
  auto b_user = b->user;
  b->ws.close();
  auto left = a->ws.read_json();
  EXPECT_TRUE(is_event(left, "left", stream)) << left;
  EXPECT_EQ(left["data"], (json{{"user", b_user}})) << left;
  c->ws.read_json();  // b's left, on c's own node
  auto c_user = c->user;
  c.reset();  // drops the TCP connection without a close handshake
  left = a->ws.read_json();
  EXPECT_TRUE(is_event(left, "left", stream)) << left;
  EXPECT_EQ(left["data"], (json{{"user", c_user}})) << left;
}

TEST_P(cluster_test, StrategiesMixAcrossNodes) {
  // A socket on this strategy and one on the other, on different nodes.
  auto stream = test_stream();
  auto other = strategy() == "streams" ? "pub-sub" : "streams";
  auto a = join(0, stream);
  chat_peer b(port(1), stream, other);
  a->ws.read_json();  // b's joined
  auto id = b.say("from the other strategy");
  expect_message_from(*a, b, "from the other strategy", id);
  id = a->say("back");
  auto f = b.ws.read_json();
  EXPECT_TRUE(is_event(f, "message", stream)) << f;
  EXPECT_EQ(f["data"]["text"], "back") << f;
  EXPECT_EQ(f.contains("id"), std::string(other) == "streams") << f;
}

INSTANTIATE_TEST_SUITE_P(Strategies, cluster_test, ::testing::Values("pub-sub", "streams"),
                         [](const auto& info) {
                           return info.param == "pub-sub" ? std::string("PubSub")
                                                          : std::string("Streams");
                         });

// --- resuming on the other node ---

class cluster_resume_test : public cluster_test {};

TEST_F(cluster_resume_test, SinceOnTheOtherNodeReplaysTheMissedEntries) {
  auto stream = test_stream();
  chat_peer writer(port(0), stream, "streams");
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(writer.say("m" + std::to_string(i)));
  ws_client ws(port(1), ws_client::target(json::array({chat_spec(stream, "streams", ids[3])})));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(welcome.at("clients")[0].value("recovered", json()), true) << welcome;
  std::vector<std::string> replayed;
  auto frames = ws.read_until([&](const json& f) { return is_event(f, "joined", stream); });
  EXPECT_TRUE(events(frames, "history").empty()) << json(frames);
  for (const auto& f : events(frames, "message")) {
    replayed.push_back(f.value("id", "<no id>"));
    EXPECT_EQ(f["data"]["text"], "m" + std::to_string(3 + replayed.size())) << f;
  }
  EXPECT_EQ(replayed, std::vector<std::string>(ids.begin() + 4, ids.end()));
  // Then live, from the writer's node.
  writer.ws.read_json();  // the resumed socket's joined
  auto live = writer.say("live");
  auto f = ws.read_json();
  EXPECT_TRUE(is_event(f, "message", stream)) << f;
  EXPECT_EQ(f.value("id", ""), live) << f;
}

TEST_F(cluster_resume_test, LiveTrafficDuringAResumeOnTheOtherNodeHasNoGapOrDuplicate) {
  auto stream = test_stream();
  chat_peer writer(port(0), stream, "streams");
  auto since = writer.say("before");
  const int n = 60;
  for (int i = 0; i < n; ++i)
    writer.ws.send_json(send_command(stream, "m" + std::to_string(i), "r" + std::to_string(i)));
  // Resume on node 2 while node 1 is still storing the pipelined sends.
  ws_client ws(port(1), ws_client::target(json::array({chat_spec(stream, "streams", since)})));
  std::vector<std::string> acked;
  writer.ws.read_until([&](const json& f) {
    if (f.value("type", "") == "ack") acked.push_back(f.at("id").get<std::string>());
    return acked.size() == static_cast<size_t>(n);
  }, 10 * n);
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(welcome.at("clients")[0].value("recovered", json()), true) << welcome;
  std::vector<std::string> seen;
  ws.read_until([&](const json& f) {
    if (is_event(f, "message", stream)) seen.push_back(f.value("id", "<no id>"));
    return !seen.empty() && seen.back() == acked.back();
  }, 10 * n);
  EXPECT_EQ(seen, acked);
}

TEST_F(cluster_resume_test, ReconnectingToTheOtherNodeAfterADropMissesNothing) {
  // A reader on node 1 sees part of the stream, drops, and resumes on node 2
  // from the last id it saw while the writer keeps going.
  auto stream = test_stream();
  chat_peer writer(port(0), stream, "streams");
  auto reader = std::make_unique<chat_peer>(port(0), stream, "streams");
  writer.ws.read_json();  // reader's joined
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(writer.say("a" + std::to_string(i)));
  std::vector<std::string> seen;
  while (seen.size() < 3) {
    auto f = reader->ws.read_json();
    if (is_event(f, "message", stream)) seen.push_back(f.at("id").get<std::string>());
  }
  reader.reset();  // gone, with two messages unread
  for (int i = 0; i < 5; ++i)
    ids.push_back(writer.say("b" + std::to_string(i)));
  ws_client ws(port(1),
               ws_client::target(json::array({chat_spec(stream, "streams", seen.back())})));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  for (int i = 0; i < 5; ++i)
    ids.push_back(writer.say("c" + std::to_string(i)));
  ws.read_until([&](const json& f) {
    if (is_event(f, "message", stream)) seen.push_back(f.at("id").get<std::string>());
    return !seen.empty() && seen.back() == ids.back();
  });
  EXPECT_EQ(seen, ids);
}

} // namespace
} // namespace sb::test
