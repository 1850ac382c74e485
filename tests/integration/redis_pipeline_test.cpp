// Pipelining on the Redis broker's command connections: a batch of
// commands written at once must give every request its own reply, in
// order, and a connection that breaks mid-batch must answer every request
// still waiting with an error, at once, and lose none. Runs in
// integration-redis, with its own redis-server.

#include "config/redis_url.hpp"
#include "core/actors.hpp"
#include "core/error.hpp"
#include "core/messages.hpp"
#include "redis/redis_broker.hpp"
#include "redis/redis_client.hpp"
#include "redis/shard.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/redis_server.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

redis_endpoint endpoint_of(const redis_server& redis) {
  return std::get<redis_endpoint>(parse_redis_url(redis.url()));
}

TEST(redis_pipeline_test, EveryPipelinedCommandGetsItsOwnReplyInOrder) {
  SB_REDIS_ONLY();
  redis_server redis;
  redis_client client(endpoint_of(redis), {}, "pipeline");
  ASSERT_TRUE(client.ready());
  std::vector<std::vector<std::string>> commands;
  for (int i = 0; i < 1000; ++i) {
    if (i == 500)
      commands.push_back({"NO-SUCH-COMMAND"}); // an error reply in the middle
    commands.push_back({"ECHO", "reply " + std::to_string(i)});
  }
  auto replies = client.pipeline(commands);
  ASSERT_EQ(replies.size(), commands.size());
  for (size_t i = 0, n = 0; i < replies.size(); ++i) {
    ASSERT_NE(replies[i], nullptr) << i;
    if (i == 500) {
      EXPECT_TRUE(reply::is_error(replies[i].get()));
      continue;
    }
    EXPECT_EQ(reply::str(replies[i].get()), "reply " + std::to_string(n++));
  }
  EXPECT_TRUE(client.connected());
}

TEST(redis_pipeline_test, AConnectionLostMidBatchLeavesTheRestWithoutReplies) {
  SB_REDIS_ONLY();
  redis_server redis;
  redis_client client(endpoint_of(redis), {}, "pipeline");
  ASSERT_TRUE(client.ready());
  // Redis answers QUIT, then closes the connection without reading on.
  auto replies = client.pipeline({{"ECHO", "first"}, {"QUIT"}, {"ECHO", "second"}, {"ECHO", "third"}});
  ASSERT_EQ(replies.size(), 4u);
  ASSERT_NE(replies[0], nullptr);
  EXPECT_EQ(reply::str(replies[0].get()), "first");
  EXPECT_EQ(replies[2], nullptr) << "a reply for a command Redis never ran";
  EXPECT_EQ(replies[3], nullptr);
  EXPECT_FALSE(client.connected());
}

/// The Redis broker with one command actor, so every request below lands
/// in the same mailbox and goes out in the same batches.
struct broker_fixture {
  explicit broker_fixture(const redis_server& redis) : broker_fixture({&redis}) {}
  /// One Redis server per shard; a command times out after `timeout`; a
  /// post waits for `wait_replicas` replicas (redis.wait-replicas).
  broker_fixture(std::vector<const redis_server*> shards,
                 std::chrono::milliseconds timeout = redis_timeouts{}.command,
                 int wait_replicas = 0)
    : sys{(register_message_types(cfg), cfg)}, self{sys} {
    redis_broker_config c;
    for (auto* redis : shards) {
      c.shards.push_back(endpoint_of(*redis));
      c.shards.back().wait_replicas = wait_replicas;
    }
    c.timeouts.command = timeout;
    c.pool_size = 1;
    broker = spawn_redis_broker(sys, c, std::make_shared<broker_status>());
  }
  ~broker_fixture() {
    for (auto& a : {caf::actor_cast<caf::actor>(broker.command),
                    caf::actor_cast<caf::actor>(broker.subscriber),
                    caf::actor_cast<caf::actor>(broker.listener)})
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  broker_handles broker;
};

/// Posts `n` messages to `key` without waiting; then the replies, in order:
/// each an id, or the error's code.
std::vector<std::string> post_many(broker_fixture& f, const std::string& key, int n,
                                   const std::function<void()>& between = [] {}) {
  using handle_t = decltype(f.self->request(f.broker.command, 10s, post_atom::value, key,
                                            std::string{}, std::string{}, uint64_t{0}, false,
                                            uint64_t{0}));
  std::vector<handle_t> pending;
  for (int i = 0; i < n; ++i)
    pending.push_back(f.self->request(f.broker.command, 10s, post_atom::value, key,
                                      std::string{"message"},
                                      R"({"n":)" + std::to_string(i) + "}", uint64_t{0}, false,
                                      uint64_t{0}));
  between();
  std::vector<std::string> out;
  for (auto& h : pending)
    h.receive([&](const std::string& id) { out.push_back(id); },
              [&](caf::error& err) {
                out.push_back("error: " + to_string(err) + " " + error_message(err));
              });
  return out;
}

TEST(redis_pipeline_test, BatchedPostsAreStoredOnceEachInTheOrderSentAndAckedWithTheirIds) {
  SB_REDIS_ONLY();
  redis_server redis;
  broker_fixture f{redis};
  // Redis stalls briefly, so the posts pile up in the mailbox and go out
  // as a few large batches.
  ::kill(redis.pid(), SIGSTOP);
  auto ids = post_many(f, "room:1:chat", 300, [&] {
    std::this_thread::sleep_for(200ms);
    ::kill(redis.pid(), SIGCONT);
  });
  auto stored = redis.command({"XRANGE", "room:1:chat", "-", "+"});
  ASSERT_EQ(stored.size(), 300u);
  ASSERT_EQ(ids.size(), 300u);
  for (size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(ids[i], stored[i][0].get<std::string>()) << "post " << i << " acked with another id";
    EXPECT_EQ(stored[i][1][3].get<std::string>(), R"({"n":)" + std::to_string(i) + "}")
      << "stored out of order at " << i;
  }
}

TEST(redis_pipeline_test, BatchedReadsEachGetTheirOwnKey) {
  SB_REDIS_ONLY();
  redis_server redis;
  for (int i = 0; i < 100; ++i)
    redis.command({"XADD", "room:" + std::to_string(i) + ":chat", "*", "data", std::to_string(i)});
  broker_fixture f{redis};
  ::kill(redis.pid(), SIGSTOP);
  using handle_t = decltype(f.self->request(f.broker.command, 10s, tail_atom::value,
                                            std::string{}, uint64_t{1}));
  std::vector<handle_t> pending;
  for (int i = 0; i < 100; ++i)
    pending.push_back(f.self->request(f.broker.command, 10s, tail_atom::value,
                                      "room:" + std::to_string(i) + ":chat", uint64_t{1}));
  std::this_thread::sleep_for(200ms);
  ::kill(redis.pid(), SIGCONT);
  for (int i = 0; i < 100; ++i)
    pending[i].receive(
      [&](const std::vector<stream_entry>& entries) {
        ASSERT_EQ(entries.size(), 1u) << i;
        EXPECT_EQ(entries[0].fields.at(1), std::to_string(i)) << "another key's reply";
      },
      [&](caf::error& err) { ADD_FAILURE() << i << ": " << to_string(err); });
}

TEST(redis_pipeline_test, ALostConnectionAnswersEveryWaitingRequestAtOnce) {
  SB_REDIS_ONLY();
  redis_server redis;
  broker_fixture f{redis};
  ASSERT_EQ(post_many(f, "room:1:chat", 1)[0].rfind("error", 0), std::string::npos);
  ::kill(redis.pid(), SIGSTOP);
  auto started = std::chrono::steady_clock::now();
  auto replies = post_many(f, "room:1:chat", 200, [&] {
    std::this_thread::sleep_for(200ms); // the first batch is written and waits
    redis.kill9();
  });
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(replies.size(), 200u);
  for (size_t i = 0; i < replies.size(); ++i)
    EXPECT_EQ(replies[i].rfind("error", 0), 0u) << i << ": " << replies[i];
  // Not one command timeout (2 s) per request, nor the request timeout.
  EXPECT_LT(took, 5s);
}

/// The published payloads `sub` (subscribed) gets within `timeout`, up to `n`.
std::vector<std::string> published(redis_client& sub, size_t n, std::chrono::milliseconds timeout) {
  std::vector<std::string> out;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n && std::chrono::steady_clock::now() < until)
    sub.read_replies(50ms, [&](const redisReply* r) {
      if (reply::str(reply::at(r, 0)) == "message")
        out.push_back(reply::str(reply::at(r, 2)));
    });
  return out;
}

// After a Redis restart the script cache is empty. A batch holding a post
// (a Lua script), a plain PUBLISH and another post on the same channel must
// still run in that order: EVALSHA failing with NOSCRIPT and sent again
// after the batch would put the PUBLISH first.
TEST(redis_pipeline_test, ANewConnectionLoadsItsScriptsAheadSoABatchKeepsItsOrder) {
  SB_REDIS_ONLY();
  redis_server redis;
  broker_fixture f{redis};
  ASSERT_EQ(post_many(f, "room:1:chat", 1)[0].rfind("error", 0), std::string::npos);
  redis.kill9();
  redis.restart();
  // Until the broker has a working connection again (a read: no script).
  auto tail_ok = [&] {
    bool ok = false;
    f.self->request(f.broker.command, 5s, tail_atom::value, std::string{"other:chat"}, uint64_t{1})
      .receive([&](const std::vector<stream_entry>&) { ok = true; }, [&](caf::error&) {});
    return ok;
  };
  ASSERT_TRUE(redis.until(tail_ok, 10s, 100ms));
  redis_client sub(endpoint_of(redis), {}, "test-subscriber");
  ASSERT_TRUE(sub.ready());
  ASSERT_TRUE(sub.append({"SUBSCRIBE", "room:1:chat"}) && sub.flush());
  ASSERT_TRUE(sub.read_replies(1000ms, [](const redisReply*) {}));
  // Redis stops; a read occupies the command actor, so the three commands
  // after it wait in its mailbox and go out as one batch.
  ::kill(redis.pid(), SIGSTOP);
  auto blocker = f.self->request(f.broker.command, 10s, tail_atom::value,
                                 std::string{"other:chat"}, uint64_t{1});
  std::this_thread::sleep_for(100ms);
  auto a = f.self->request(f.broker.command, 10s, post_atom::value, std::string{"room:1:chat"},
                           std::string{"message"}, std::string{R"({"n":"A"})"}, uint64_t{0},
                           false, uint64_t{0});
  auto p = f.self->request(f.broker.command, 10s, publish_atom::value,
                           std::string{"room:1:chat"}, std::string{"P"});
  auto b = f.self->request(f.broker.command, 10s, post_atom::value, std::string{"room:1:chat"},
                           std::string{"message"}, std::string{R"({"n":"B"})"}, uint64_t{0},
                           false, uint64_t{0});
  std::this_thread::sleep_for(100ms);
  ::kill(redis.pid(), SIGCONT);
  blocker.receive([](const std::vector<stream_entry>&) {},
                  [](caf::error& err) { ADD_FAILURE() << to_string(err); });
  for (auto* h : {&a, &b})
    h->receive([](const std::string&) {}, [](caf::error& err) { ADD_FAILURE() << to_string(err); });
  p.receive([](uint64_t) {}, [](caf::error& err) { ADD_FAILURE() << to_string(err); });
  auto got = published(sub, 3, 5s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find(R"("n":"A")"), std::string::npos) << got[0];
  EXPECT_EQ(got[1], "P");
  EXPECT_NE(got[2].find(R"("n":"B")"), std::string::npos) << got[2];
}


/// A key `room:<n>:chat` whose stream lives on `shard` of `shards`.
std::string key_on_shard(size_t shard, size_t shards) {
  for (int n = 0;; ++n) {
    auto key = "room:" + std::to_string(n) + ":chat";
    if (shard_of_key(key, shards) == shard)
      return key;
  }
}

TEST(redis_pipeline_test, APostsDeadlineCountsFromItsWriteNotFromABatchAheadOnAStalledShard) {
  SB_REDIS_ONLY();
  redis_server first, second;
  broker_fixture f{{&first, &second}, 1000ms}; // posts may be stored within 500 ms
  auto stalled = key_on_shard(0, 2), healthy = key_on_shard(1, 2);
  ASSERT_EQ(post_many(f, stalled, 1)[0].rfind("error", 0), std::string::npos);
  ASSERT_EQ(post_many(f, healthy, 1)[0].rfind("error", 0), std::string::npos);
  // A read on the second shard occupies the actor while both posts queue,
  // so they go out in one batch: the first shard's share first, which
  // waits out the whole command timeout, then the second's.
  ::kill(first.pid(), SIGSTOP);
  ::kill(second.pid(), SIGSTOP);
  auto blocker = f.self->request(f.broker.command, 10s, tail_atom::value, healthy, uint64_t{1});
  std::this_thread::sleep_for(100ms);
  auto post = [&](const std::string& key) {
    return f.self->request(f.broker.command, 10s, post_atom::value, key, std::string{"message"},
                           std::string{R"({"n":1})"}, uint64_t{0}, false, uint64_t{0});
  };
  auto lost = post(stalled);
  auto kept = post(healthy);
  std::this_thread::sleep_for(100ms);
  ::kill(second.pid(), SIGCONT);
  blocker.receive([](const std::vector<stream_entry>&) {},
                  [](caf::error& err) { ADD_FAILURE() << to_string(err); });
  lost.receive([](const std::string& id) { ADD_FAILURE() << "stored on a stalled Redis: " << id; },
               [](caf::error&) {});
  kept.receive([](const std::string&) {},
               [](caf::error& err) {
                 ADD_FAILURE() << "the healthy shard refused a post that waited behind the "
                                  "stalled one: "
                               << to_string(err);
               });
  ::kill(first.pid(), SIGCONT);
  EXPECT_EQ(second.command({"XLEN", healthy}).get<int>(), 2);
}

// --- redis.wait-replicas: one WAIT per shard's batch, in the same pipeline --------

/// A primary that sends its data to a new replica at once (not after the
/// 5 s that diskless sync waits by default for more replicas to join).
const redis_options primary_options{false, {"--repl-diskless-sync-delay", "0"}};

/// A replica of `primary`, attached (its link up) when this returns.
std::unique_ptr<redis_server> replica_of(redis_server& primary) {
  auto replica = std::make_unique<redis_server>(
    redis_options{false, {"--replicaof", "127.0.0.1", std::to_string(primary.port())}});
  // Until it acks writes: its link is up a little before it answers the
  // primary's GETACK (it may still be loading the data it was sent).
  bool up = replica->until([&] {
    primary.command({"SET", "replica-probe", "1"});
    return primary.command({"WAIT", "1", "100"}).get<int>() == 1;
  }, 10s);
  if (!up)
    throw std::runtime_error("the replica did not attach:\n" + replica->logs());
  return replica;
}

/// How many WAITs `redis` ran (INFO commandstats).
long waits_run(redis_server& redis) {
  auto stats = redis.command({"INFO", "commandstats"}).get<std::string>();
  auto at = stats.find("cmdstat_wait:calls=");
  return at == std::string::npos ? 0 : std::stol(stats.substr(at + 19));
}

bool is_refusal(const std::string& reply) {
  return reply.rfind("error", 0) == 0;
}

TEST(redis_pipeline_test, APostIsAckedOnlyOnceItsReplicaHasIt) {
  SB_REDIS_ONLY();
  redis_server primary{primary_options};
  broker_fixture f{{&primary}, 2000ms, 1}; // WAIT 1 1000
  auto alone = post_many(f, "room:1:chat", 1);
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_TRUE(is_refusal(alone[0])) << "acked with no replica: " << alone[0];
  EXPECT_NE(alone[0].find("not replicated (0 of 1 replicas confirmed within 1000 ms)"),
            std::string::npos)
    << alone[0];
  EXPECT_EQ(primary.command({"XLEN", "room:1:chat"}).get<int>(), 1) << "on the primary still";

  auto replica = replica_of(primary);
  auto ids = post_many(f, "room:1:chat", 1);
  ASSERT_FALSE(is_refusal(ids[0])) << ids[0];
  auto copied = replica->command({"XRANGE", "room:1:chat", ids[0], ids[0]});
  EXPECT_EQ(copied.size(), 1u) << "acked before the replica had it";
}

TEST(redis_pipeline_test, BatchedPostsShareOneWaitAndEachGetsItsOwnAnswer) {
  SB_REDIS_ONLY();
  redis_server primary{primary_options};
  auto replica = replica_of(primary);
  broker_fixture f{{&primary}, 2000ms, 1};
  primary.command({"SET", "room:bad:chat", "not a stream"}); // its post fails: WRONGTYPE
  ASSERT_FALSE(is_refusal(post_many(f, "room:1:chat", 1)[0]));
  auto waits_before = waits_run(primary);
  ::kill(primary.pid(), SIGSTOP); // the posts pile up and go out as one or a few batches
  using handle_t = decltype(f.self->request(f.broker.command, 10s, post_atom::value,
                                            std::string{}, std::string{}, std::string{},
                                            uint64_t{0}, false, uint64_t{0}));
  std::vector<handle_t> pending;
  const int posts = 100, bad = 37;
  for (int i = 0; i < posts; ++i)
    pending.push_back(f.self->request(f.broker.command, 10s, post_atom::value,
                                      std::string{i == bad ? "room:bad:chat" : "room:1:chat"},
                                      std::string{"message"}, R"({"n":)" + std::to_string(i) + "}",
                                      uint64_t{0}, false, uint64_t{0}));
  std::this_thread::sleep_for(200ms);
  ::kill(primary.pid(), SIGCONT);
  std::vector<std::string> ids;
  for (int i = 0; i < posts; ++i)
    pending[i].receive(
      [&](const std::string& id) {
        EXPECT_NE(i, bad) << "a failed script acked because the WAIT after it succeeded";
        ids.push_back(id);
      },
      [&](caf::error& err) {
        EXPECT_EQ(i, bad) << i << ": " << to_string(err) << " " << error_message(err);
      });
  auto stored = replica->command({"XRANGE", "room:1:chat", "-", "+"});
  ASSERT_EQ(stored.size(), static_cast<size_t>(posts)); // the first post and 99 batched ones
  ASSERT_EQ(ids.size(), static_cast<size_t>(posts - 1));
  for (size_t i = 0; i < ids.size(); ++i)
    EXPECT_EQ(ids[i], stored[i + 1][0].get<std::string>()) << "post " << i << " got another's id";
  auto waits = waits_run(primary) - waits_before;
  EXPECT_GE(waits, 1);
  EXPECT_LT(waits, posts / 2) << "one WAIT per batch, not one per post";
}

// With the replica gone, a batch of posts waits out one WAIT timeout, not
// one per post: a WAIT after each post would block the connection for each
// in turn (and the posts behind the first would miss their store deadline).
TEST(redis_pipeline_test, WithoutItsReplicaABatchOfPostsWaitsOneTimeoutAndStoresEach) {
  SB_REDIS_ONLY();
  redis_server primary;
  broker_fixture f{{&primary}, 1000ms, 1}; // WAIT 1 500
  ::kill(primary.pid(), SIGSTOP);
  auto started = std::chrono::steady_clock::now();
  auto replies = post_many(f, "room:1:chat", 20, [&] {
    std::this_thread::sleep_for(100ms);
    ::kill(primary.pid(), SIGCONT);
  });
  auto took = std::chrono::steady_clock::now() - started;
  for (size_t i = 0; i < replies.size(); ++i)
    EXPECT_NE(replies[i].find("not replicated (0 of 1"), std::string::npos) << i << ": "
                                                                             << replies[i];
  EXPECT_EQ(primary.command({"XLEN", "room:1:chat"}).get<int>(), 20);
  EXPECT_LT(took, 5s) << "20 WAIT timeouts of 500 ms in a row";
}

// The post's script answered, then the connection died while the WAIT
// blocked: the entry is stored, its replication unknown. `unavailable`,
// never an ack.
TEST(redis_pipeline_test, AConnectionLostBetweenTheScriptAndItsWaitAnswersUnavailable) {
  SB_REDIS_ONLY();
  redis_server primary;
  broker_fixture f{{&primary}, 4000ms, 1}; // WAIT 1 2000
  auto replies = post_many(f, "room:1:chat", 1, [&] {
    // Once the command connection blocks in WAIT, Redis drops it.
    std::string id;
    ASSERT_TRUE(primary.until([&] {
      std::istringstream clients{primary.command({"CLIENT", "LIST"}).get<std::string>()};
      for (std::string line; std::getline(clients, line);)
        if (line.find("name=switchboard-command") != std::string::npos
            && line.find("cmd=wait") != std::string::npos) {
          id = line.substr(3, line.find(' ') - 3);
          return true;
        }
      return false;
    }, 5s, 10ms));
    primary.command({"CLIENT", "KILL", "ID", id});
  });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_NE(replies[0].find("the connection was lost before 1 replicas confirmed it"),
            std::string::npos)
    << replies[0];
  EXPECT_EQ(primary.command({"XLEN", "room:1:chat"}).get<int>(), 1);
}

} // namespace
} // namespace sb::test
