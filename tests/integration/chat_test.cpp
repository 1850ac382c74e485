// The chat plugin (PROTOCOL §4) between several sockets, on both strategies:
// history, send/ack, message fan-out, joined/left, and session-owned users.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace sb::test {
namespace {

class chat_test : public server_suite, public ::testing::WithParamInterface<std::string> {
protected:
  // Sixty sends in a row would trip the default 50-command burst.
  static void SetUpTestSuite() { start_server({"--limits.commands-per-second=0"}); }
  static void TearDownTestSuite() { stop_server(); }

  const std::string& strategy() const { return GetParam(); }
  bool with_ids() const { return strategy() == "streams"; }

  std::unique_ptr<chat_peer> join(const std::string& stream, const params& extra = {}) {
    return std::make_unique<chat_peer>(port(), stream, strategy(), extra);
  }

  // Three peers on one stream; each earlier peer has seen the later ones join.
  std::vector<std::unique_ptr<chat_peer>> join_three(const std::string& stream) {
    std::vector<std::unique_ptr<chat_peer>> peers;
    for (int i = 0; i < 3; ++i) {
      peers.push_back(join(stream));
      for (int j = 0; j < i; ++j) {
        auto joined = peers[j]->ws.read_json();
        EXPECT_TRUE(is_event(joined, "joined", stream)) << joined;
        EXPECT_EQ(joined["data"]["user"], peers[i]->user) << joined;
        EXPECT_FALSE(joined.contains("id")) << joined;
      }
    }
    return peers;
  }

  // A message event as every subscriber must see it.
  void expect_message(const json& frame, const std::string& stream, const json& user,
                      const std::string& text, const std::string& ack_id) {
    ASSERT_TRUE(is_event(frame, "message", stream)) << frame;
    const auto& data = frame.at("data");
    EXPECT_EQ(data.at("user"), user) << frame;
    EXPECT_EQ(data.at("text"), text) << frame;
    ASSERT_TRUE(data.at("ts").is_number_integer()) << frame;
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_NEAR(static_cast<double>(data["ts"].get<int64_t>()), static_cast<double>(now), 60'000.0)
      << "ts is milliseconds since the epoch";
    if (with_ids()) {
      EXPECT_EQ(frame.value("id", json()), ack_id) << frame;
    } else {
      EXPECT_FALSE(frame.contains("id")) << "pub-sub events carry no id: " << frame;
    }
  }
};

TEST_P(chat_test, NewStreamHasEmptyHistory) {
  auto peer = join(test_stream());
  EXPECT_EQ(peer->history, json::array());
}

TEST_P(chat_test, HistoryHoldsTheLastFiftyMessagesOldestFirst) {
  auto stream = test_stream();
  auto writer = join(stream);
  std::vector<std::string> ids;
  for (int i = 0; i < 60; ++i)
    ids.push_back(writer->say("m" + std::to_string(i)));
  for (size_t i = 1; i < ids.size(); ++i)
    EXPECT_TRUE(id_less(ids[i - 1], ids[i])) << ids[i - 1] << " !< " << ids[i];
  auto reader = join(stream);
  ASSERT_EQ(reader->history.size(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    const auto& m = reader->history[i];
    EXPECT_EQ(m.value("id", json()), ids[i + 10]) << m;
    EXPECT_EQ(m.value("text", json()), "m" + std::to_string(i + 10)) << m;
    EXPECT_EQ(m.value("user", json()), writer->user) << m;
    EXPECT_TRUE(m.value("ts", json()).is_number_integer()) << m;
  }
}

TEST_P(chat_test, JoinedGoesToEverySubscriberIncludingTheJoiner) {
  // chat_peer checks the joiner's own joined; join_three the others'.
  auto peers = join_three(test_stream());
  EXPECT_NE(peers[0]->user, peers[1]->user);
  EXPECT_NE(peers[1]->user, peers[2]->user);
}

TEST_P(chat_test, SendIsAckedAndReachesAllThreeSockets) {
  auto stream = test_stream();
  auto peers = join_three(stream);
  auto& sender = *peers[0];
  sender.ws.send_json(send_command(stream, "hello", "r1"));
  auto frames = sender.ws.read_n(2);
  auto ack = is_ack(frames[0], "r1") ? frames[0] : frames[1];
  auto own = is_ack(frames[0], "r1") ? frames[1] : frames[0];
  ASSERT_TRUE(is_ack(ack, "r1")) << json(frames);
  ASSERT_TRUE(ack.at("id").is_string()) << ack;
  auto id = ack["id"].get<std::string>();
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9]+-[0-9]+"))) << id;
  EXPECT_EQ(ack, (json{{"type", "ack"}, {"ref", "r1"}, {"id", id}}));
  expect_message(own, stream, sender.user, "hello", id);
  for (int i = 1; i < 3; ++i)
    expect_message(peers[i]->ws.read_json(), stream, sender.user, "hello", id);
}

TEST_P(chat_test, EveryoneSeesMessagesInTheSameOrder) {
  auto stream = test_stream();
  auto peers = join_three(stream);
  for (int round = 0; round < 3; ++round)
    for (size_t p = 0; p < peers.size(); ++p) {
      auto text = std::to_string(p) + "#" + std::to_string(round);
      peers[p]->ws.send_json(send_command(stream, text, text));
    }
  std::vector<std::vector<std::string>> seen(peers.size());
  for (size_t p = 0; p < peers.size(); ++p) {
    size_t acks = 0;
    std::vector<std::string> ids;
    while (seen[p].size() < 9 || acks < 3) {
      auto f = peers[p]->ws.read_json();
      if (f.value("type", "") == "ack") ++acks;
      if (!is_event(f, "message", stream)) continue;
      seen[p].push_back(f["data"]["text"].get<std::string>());
      if (with_ids()) ids.push_back(f.at("id").get<std::string>());
    }
    for (size_t i = 1; i < ids.size(); ++i)
      EXPECT_TRUE(id_less(ids[i - 1], ids[i])) << ids[i - 1] << " !< " << ids[i];
  }
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[0], seen[2]);
}

TEST_P(chat_test, UserComesFromTheSessionNotTheClient) {
  auto stream = test_stream();
  auto peers = join_three(stream);
  json forged = send_command(stream, "I am Mallory", "r1");
  forged["data"]["user"] = {{"id", "mallory"}, {"name", "Mallory"}};
  forged["user"] = {{"id", "mallory"}, {"name", "Mallory"}};
  peers[0]->ws.send_json(forged);
  auto frames = peers[0]->ws.read_n(2);
  auto ack = is_ack(frames[0], "r1") ? frames[0] : frames[1];
  ASSERT_TRUE(is_ack(ack, "r1")) << json(frames);
  for (int i = 1; i < 3; ++i)
    expect_message(peers[i]->ws.read_json(), stream, peers[0]->user, "I am Mallory",
                   ack["id"].get<std::string>());
}

TEST_P(chat_test, NameParameterAppearsInJoinedAndMessages) {
  auto stream = test_stream();
  auto bob = join(stream);
  auto ada = join(stream, {{"name", "Ada"}});
  EXPECT_EQ(ada->user.at("name"), "Ada");
  auto joined = bob->ws.read_json();
  ASSERT_TRUE(is_event(joined, "joined", stream)) << joined;
  EXPECT_EQ(joined["data"]["user"], ada->user);
  auto id = ada->say("hi");
  expect_message(bob->ws.read_json(), stream, ada->user, "hi", id);
}

TEST_P(chat_test, LeftGoesToTheOthersOnClose) {
  auto stream = test_stream();
  auto peers = join_three(stream);
  auto leaver = peers[2]->user;
  peers[2]->ws.close();
  for (int i = 0; i < 2; ++i) {
    auto left = peers[i]->ws.read_json();
    EXPECT_TRUE(is_event(left, "left", stream)) << left;
    EXPECT_EQ(left["data"], (json{{"user", leaver}})) << left;
    EXPECT_FALSE(left.contains("id")) << left;
  }
}

TEST_P(chat_test, LeftGoesToTheOthersWhenTheConnectionDrops) {
  auto stream = test_stream();
  auto peers = join_three(stream);
  auto leaver = peers[2]->user;
  peers.pop_back();  // closes the TCP socket without a close handshake
  for (auto& p : peers) {
    auto left = p->ws.read_json();
    EXPECT_TRUE(is_event(left, "left", stream)) << left;
    EXPECT_EQ(left["data"], (json{{"user", leaver}})) << left;
  }
}

TEST_P(chat_test, StreamsOnOneSocketAreSeparate) {
  auto s1 = test_stream("one");
  auto s2 = test_stream("two");
  ws_client both(port(), ws_client::target(json::array({chat_spec(s1, strategy()),
                                                         chat_spec(s2, strategy())})));
  // welcome + (history, joined) per stream
  auto opening = both.read_n(5);
  EXPECT_EQ(opening[0].value("type", ""), "welcome") << opening[0];
  auto only_s1 = join(s1);
  both.read_until([&](const json& f) { return is_event(f, "joined", s1); });
  both.send_json(send_command(s2, "to two", "r2"));
  auto frames = both.read_until([&](const json& f) { return is_event(f, "message", s2); }, 3);
  EXPECT_EQ(frames.back()["data"]["text"], "to two");
  both.send_json(send_command(s1, "to one", "r1"));
  auto next = only_s1->ws.read_json();
  EXPECT_TRUE(is_event(next, "message", s1)) << "s1 saw something else first: " << next;
  EXPECT_EQ(next["data"]["text"], "to one") << next;
}

TEST_P(chat_test, SendsAreNotDelayedBehindTheAck) {
  // The ack and the sender's own message leave back to back; without
  // TCP_NODELAY on the server's socket the second waits for a delayed ACK
  // (~40 ms on Linux). Twenty round trips take a few ms when that is off.
  auto peer = join(test_stream());
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i)
    peer->say("m" + std::to_string(i));
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(elapsed, 500) << "milliseconds for 20 sends";
}

INSTANTIATE_TEST_SUITE_P(Strategies, chat_test, ::testing::Values("pub-sub", "streams"),
                         [](const auto& info) {
                           return info.param == "pub-sub" ? std::string("PubSub")
                                                          : std::string("Streams");
                         });

TEST(chat_history_option_test, HistoryLengthIsConfigurable) {
  server_process server({"--chat.history=5", "--limits.commands-per-second=0"});
  auto stream = test_stream();
  chat_peer writer(server.port(), stream, "streams");
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i)
    ids.push_back(writer.say("m" + std::to_string(i)));
  chat_peer reader(server.port(), stream, "streams");
  ASSERT_EQ(reader.history.size(), 5u) << reader.history;
  for (size_t i = 0; i < 5; ++i)
    EXPECT_EQ(reader.history[i].value("id", ""), ids[i + 3]);
}

} // namespace
} // namespace sb::test
