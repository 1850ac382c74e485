// Redis Sentinel (redis.mode = sentinel, docs/redis.md): two nodes find the
// primary (with two replicas) through three sentinels. When the primary is SIGKILLed during
// traffic, the sentinels promote the replica and both nodes follow: sends
// answer `unavailable` meanwhile (sockets stay open), succeed again within
// a bound of the sentinels naming the new primary, /readyz follows, pub-sub
// delivers again, and with redis.wait-replicas = 1 every acked `streams`
// entry survives and reaches each subscriber exactly once, in order.
// And a WAIT that reaches too few replicas answers `unavailable`, never a
// silent ack. Runs in integration-redis.

#include "core/stream_id.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// How long after the sentinels name the new primary a node may take to
/// send through it (docs/redis.md, "Failover"): the watcher hears
/// +switch-master at once, connections reconnect on their next use.
constexpr auto follow_bound = 2s;

TEST(redis_sentinel_test, FailoverMovesEveryNodeAndLosesNoAckedEntry) {
  SB_REDIS_ONLY();
  // Two replicas: WAIT 1 needs one left once the other is promoted (with
  // a single replica every send fails until the old primary comes back).
  sentinel_group redis{2};
  server_process n1(redis.node_args("n1", {"--redis.wait-replicas=1"}));
  server_process n2(redis.node_args("n2", {"--redis.wait-replicas=1"}));
  std::vector<server_process*> nodes{&n1, &n2};
  for (auto* n : nodes)
    ASSERT_EQ(wait_for_status(n->port(), "/readyz", 200, 10s), 200u) << n->logs_tail();

  auto stream = test_stream();
  chat_peer writer(n1.port(), stream, "streams");
  chat_peer writer2(n2.port(), stream, "streams");
  chat_peer pub_writer(n2.port(), stream, "pub-sub");
  chat_peer s1(n1.port(), stream, "streams");
  chat_peer s2(n2.port(), stream, "streams");
  chat_peer p1(n1.port(), stream, "pub-sub");
  chat_peer p2(n2.port(), stream, "pub-sub");

  // --- SIGKILL the primary with sends in flight.
  auto old_port = redis.primary().port();
  const size_t kill_at = 30;
  std::chrono::steady_clock::time_point killed;
  auto outcomes = send_all(writer, texts("a", 60), 8, [&](size_t i) {
    if (i != kill_at) return;
    redis.primary().kill9();
    killed = std::chrono::steady_clock::now();
  });
  std::vector<std::string> acked;
  for (size_t i = 0; i < outcomes.size(); ++i)
    if (outcomes[i].kind == "ack")
      acked.push_back(outcomes[i].id);
    else
      EXPECT_EQ(outcomes[i].kind, "unavailable") << "send a" << i;
  EXPECT_GE(acked.size(), kill_at - 8) << "sends before the kill are acked";

  auto new_port = redis.wait_for_new_primary(old_port, 30s);
  ASSERT_NE(new_port, 0) << redis.logs();
  auto named = std::chrono::steady_clock::now();

  // --- Both nodes send through the new primary within the bound; sockets
  // stayed open (the peers are the same objects), refusals meanwhile were
  // `unavailable` (send_until_acked checks).
  auto after1 = send_until_acked(writer, "b", 1, follow_bound + 5s);
  auto after2 = send_until_acked(writer2, "c", 1, follow_bound + 5s);
  auto took = std::chrono::steady_clock::now() - named;
  ASSERT_EQ(after1.size(), 1u) << n1.logs_tail();
  ASSERT_EQ(after2.size(), 1u) << n2.logs_tail();
  EXPECT_LT(took, follow_bound) << "both nodes followed the failover within the bound";
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::printf("sentinel failover: new primary named %lld ms after the kill, both nodes acked "
              "%lld ms later\n",
              static_cast<long long>(duration_cast<milliseconds>(named - killed).count()),
              static_cast<long long>(duration_cast<milliseconds>(took).count()));
  for (auto* n : nodes) {
    EXPECT_EQ(wait_for_status(n->port(), "/readyz", 200, follow_bound), 200u) << n->logs_tail();
    auto m = scrape(n->port());
    EXPECT_GE(m["switchboard_redis_failovers_total"], 1) << n->port();
  }

  // --- pub-sub delivers again on both nodes.
  ASSERT_EQ(send_until_acked(pub_writer, "p", 1, 5s).size(), 1u);
  read_messages_until(p1, "p0", "p1");
  read_messages_until(p2, "p0", "p2");

  // --- No acked entry was lost (WAIT 1 before each ack), and each
  // subscriber got every stored entry exactly once, in order.
  auto stored = stored_ids(redis.server_on(new_port), stream + ":chat");
  for (auto& id : acked)
    EXPECT_NE(std::find(stored.begin(), stored.end(), id), stored.end())
      << "acked entry " << id << " lost in the failover";
  ASSERT_FALSE(stored.empty());
  // A send in flight at the kill may have reached a subscriber through the
  // old primary and then died with it: such an entry was never acked (its
  // sender got `unavailable`), and the stream goes on above its id.
  for (auto* s : {&s1, &s2}) {
    auto ids = read_ids_until(*s, stored.back(), s == &s1 ? "s1" : "s2");
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end(), [](auto& a, auto& b) {
      return *stream_id::parse(a) < *stream_id::parse(b);
    })) << "in order";
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "no duplicate";
    for (auto& id : stored)
      EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id << " never delivered";
    for (auto& id : ids) {
      bool lost = std::find(stored.begin(), stored.end(), id) == stored.end();
      bool was_acked = std::find(acked.begin(), acked.end(), id) != acked.end();
      EXPECT_FALSE(lost && was_acked) << "acked " << id << " delivered, then lost";
    }
  }
}

// A manual failover (SENTINEL FAILOVER) demotes a primary that stays up:
// no connection breaks, and writes to it would fail with READONLY for good.
// Only +switch-master (and ROLE) move the node; it must, within the bound.
TEST(redis_sentinel_test, ASwitchOffALivePrimaryMovesEveryConnection) {
  SB_REDIS_ONLY();
  sentinel_group redis;
  server_process node(redis.node_args("n1"));
  ASSERT_EQ(wait_for_status(node.port(), "/readyz", 200, 10s), 200u) << node.logs_tail();
  auto stream = test_stream();
  chat_peer writer(node.port(), stream, "streams");
  chat_peer reader(node.port(), stream, "streams");
  chat_peer pub_writer(node.port(), stream, "pub-sub");
  chat_peer pub_reader(node.port(), stream, "pub-sub");
  writer.say("before");

  auto old_port = redis.primary().port();
  redis.sentinels()[0]->command({"SENTINEL", "FAILOVER", redis.master()});
  auto new_port = redis.wait_for_new_primary(old_port, 30s);
  ASSERT_EQ(new_port, redis.replica().port()) << redis.logs();
  // Until +switch-master the old primary still takes writes (without
  // redis.wait-replicas they are acked, and lost when it turns replica:
  // docs/redis.md). Once the node heard the switch, every send goes to
  // the new primary.
  auto heard = scrape_until(node.port(), [](const samples& m) {
    auto i = m.find("switchboard_redis_failovers_total");
    return i != m.end() && i->second >= 1;
  }, follow_bound);
  EXPECT_EQ(heard["switchboard_redis_failovers_total"], 1) << node.logs_tail();
  auto acked = send_and_wait(writer, "after", "after");
  ASSERT_EQ(acked.kind, "ack") << node.logs_tail();
  auto on_new = stored_ids(redis.server_on(new_port), stream + ":chat");
  EXPECT_NE(std::find(on_new.begin(), on_new.end(), acked.id), on_new.end())
    << "stored on the new primary";
  // The moved connection is a new one: it loaded the post script before
  // its first EVALSHA (the new primary never saw it), so none failed.
  auto errors = redis.server_on(new_port).command({"INFO", "errorstats"}).get<std::string>();
  EXPECT_EQ(errors.find("NOSCRIPT"), std::string::npos) << errors;
  read_messages_until(reader, "after", "reader");
  ASSERT_EQ(send_until_acked(pub_writer, "pub", 1, follow_bound).size(), 1u);
  read_messages_until(pub_reader, "pub0", "pub_reader");
}

TEST(redis_sentinel_test, AWaitShortOfReplicasAnswersUnavailable) {
  SB_REDIS_ONLY();
  redis_server redis; // no replica: WAIT 1 can never be met
  server_process node(redis_node_args(redis, "n1", "200ms",
                                      {"--redis.mode=single", "--redis.wait-replicas=1"}));
  auto stream = test_stream();
  chat_peer writer(node.port(), stream, "streams");
  auto start = std::chrono::steady_clock::now();
  writer.ws.send_json(send_command(stream, "hello", "r1"));
  auto reply = writer.ws.read_until([&](const json& f) {
    return is_ack(f, "r1") || is_error(f, "r1");
  }).back();
  EXPECT_EQ(reply.value("type", ""), "error") << reply;
  EXPECT_EQ(reply.value("code", ""), "unavailable") << reply;
  EXPECT_NE(reply.value("message", "").find("not replicated (0 of 1 replicas"),
            std::string::npos)
    << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "WAIT gives up in time";
  EXPECT_EQ(scrape(node.port())["switchboard_redis_wait_short_total"], 1);
}

} // namespace
} // namespace sb::test
