// Two Redis servers as shards (redis.url with two URLs): each stream lives on
// the server that redis/shard.hpp picks for `<stream>:chat` (its stream
// entries and its pub-sub channel), not on the other; delivery between two
// nodes works for streams on either shard. Runs in integration-redis, with
// its own two redis-servers.

#include "redis/shard.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

TEST(shard_test, StreamsLandOnTheirPredictedServerAndDeliveryCrossesNodes) {
  SB_REDIS_ONLY();
  std::array<std::unique_ptr<redis_server>, 2> redis;
  for (auto& r : redis)
    r = std::make_unique<redis_server>();
  std::vector<std::string> args{"--broker=redis",
                                "--redis.url=" + redis[0]->url() + "," + redis[1]->url(),
                                "--limits.commands-per-second=0"};
  server_process n1(args);
  server_process n2(args);

  // Two streams per shard, one per strategy.
  struct placed {
    std::string stream;
    size_t shard;
    std::string strategy;
  };
  std::vector<placed> streams;
  std::array<int, 2> per_shard{0, 0};
  for (int i = 0; streams.size() < 4; ++i) {
    ASSERT_LT(i, 1000) << "the hash never picked one of the shards";
    auto stream = test_stream(std::to_string(i));
    auto shard = shard_of_key(stream + ":chat", 2);
    ASSERT_LT(shard, 2u);
    if (per_shard[shard] == 2) continue;
    streams.push_back({stream, shard, per_shard[shard]++ == 0 ? "pub-sub" : "streams"});
  }

  for (const auto& s : streams) {
    SCOPED_TRACE(s.stream + " on shard " + std::to_string(s.shard) + ", " + s.strategy);
    chat_peer a(n1.port(), s.stream, s.strategy);
    chat_peer b(n2.port(), s.stream, s.strategy);
    auto joined = a.ws.read_json();
    EXPECT_TRUE(is_event(joined, "joined", s.stream)) << joined;
    auto id = a.say("via shard " + std::to_string(s.shard));
    auto f = b.ws.read_json();
    EXPECT_TRUE(is_event(f, "message", s.stream)) << f;
    EXPECT_EQ(f["data"]["text"], "via shard " + std::to_string(s.shard)) << f;
    auto back = b.say("back");
    f = a.ws.read_json();
    EXPECT_TRUE(is_event(f, "message", s.stream)) << f;
    EXPECT_EQ(f["data"]["text"], "back") << f;

    auto key = s.stream + ":chat";
    auto& home = *redis[s.shard];
    auto& other = *redis[1 - s.shard];
    // Entries: only on the predicted server, and exactly the two acked ones.
    EXPECT_EQ(home.command({"EXISTS", key}), 1);
    EXPECT_EQ(other.command({"EXISTS", key}), 0);
    auto entries = home.command({"XRANGE", key, "-", "+"});
    ASSERT_EQ(entries.size(), 2u) << entries;
    EXPECT_EQ(entries[0][0], id);
    EXPECT_EQ(entries[1][0], back);
    // The channel: both nodes subscribed on the predicted server only.
    EXPECT_EQ(home.command({"PUBSUB", "NUMSUB", key}), json::array({key, 2}));
    EXPECT_EQ(other.command({"PUBSUB", "NUMSUB", key}), json::array({key, 0}));
  }
  // Nothing at all went to the shared redis-server of the run.
  for (const auto& s : streams)
    EXPECT_EQ(shared_redis().command({"EXISTS", s.stream + ":chat"}), 0) << s.stream;
  for (auto* n : {&n1, &n2})
    EXPECT_FALSE(n->wait_exit(std::chrono::milliseconds(0))) << n->logs_tail();
}

} // namespace
} // namespace sb::test
