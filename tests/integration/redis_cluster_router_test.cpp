// The cluster router (redis/cluster_router) against real clusters: keys
// spread over every master, a moved slot followed (MOVED), a migrating one
// asked (ASK), a master's failover to its replica, a dead seed skipped.
// Runs in integration-redis.

#include "redis/cluster_router.hpp"
#include "config/redis_url.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/redis_cluster.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <variant>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

redis_endpoint seed_on(uint16_t port) {
  return std::get<redis_endpoint>(parse_redis_url("redis://127.0.0.1:" + std::to_string(port)));
}

cluster_router router_for(redis_cluster& cluster) {
  std::vector<redis_endpoint> seeds;
  for (auto& node : cluster.nodes())
    seeds.push_back(seed_on(node->port()));
  redis_timeouts timeouts;
  timeouts.command = 1000ms;
  return cluster_router{seeds, timeouts, "router-test"};
}

std::string stream_key(int i) {
  return "{stream:" + std::to_string(i) + "}:chat";
}

uint16_t another_master(redis_cluster& cluster, uint16_t than) {
  for (uint16_t slot : {0, 8000, 16000})
    if (auto port = cluster.master_of(slot); port != than)
      return port;
  return 0;
}

/// A key written through the router: its slot, its master, and another
/// master to move it to.
struct placed_key {
  std::string key;
  uint16_t slot = 0, from = 0, to = 0;
};

placed_key place_key(redis_cluster& cluster, cluster_router& router, int i) {
  placed_key k{stream_key(i)};
  auto r = router.command(k.key, {"SET", k.key, "v"});
  EXPECT_TRUE(r && reply::str(r.get()) == "OK");
  k.slot = key_slot(k.key);
  k.from = cluster.master_of(k.slot);
  k.to = another_master(cluster, k.from);
  return k;
}

TEST(redis_cluster_router_test, CommandsReachEveryMasterOfTheirKeys) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  auto router = router_for(cluster);
  for (int i = 0; i < 60; ++i) {
    auto r = router.command(stream_key(i), {"SET", stream_key(i), std::to_string(i)});
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(reply::str(r.get()), "OK") << stream_key(i);
  }
  long long total = 0;
  for (auto& node : cluster.nodes()) {
    auto n = node->command({"DBSIZE"}).get<long long>();
    EXPECT_GT(n, 0) << "no key on the master on " << node->port();
    total += n;
  }
  EXPECT_EQ(total, 60);
  EXPECT_EQ(router.map().masters().size(), 3u);
}

TEST(redis_cluster_router_test, AMovedSlotIsFollowedAndTheMapLearnsIt) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  auto router = router_for(cluster);
  auto k = place_key(cluster, router, 7);
  cluster.move_slot(k.slot, k.to);
  auto r = router.command(k.key, {"GET", k.key});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(reply::str(r.get()), "v");
  ASSERT_NE(router.map().owner(k.slot), nullptr);
  EXPECT_EQ(router.map().owner(k.slot)->port, k.to);
}

TEST(redis_cluster_router_test, AMigratingSlotsMovedKeyIsAskedForOnItsNewNode) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  auto router = router_for(cluster);
  auto k = place_key(cluster, router, 9);
  cluster.begin_move(k.slot, k.to);
  cluster.node_on(k.from).command({"MIGRATE", "127.0.0.1", std::to_string(k.to), k.key, "0",
                                   "5000"});
  auto r = router.command(k.key, {"GET", k.key});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(reply::str(r.get()), "v");
  EXPECT_EQ(router.map().owner(k.slot)->port, k.from) << "ASK moves no slot";
}

TEST(redis_cluster_router_test, AFailedMastersSlotsAreFollowedToItsPromotedReplica) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3, 1};
  auto router = router_for(cluster);
  auto key = stream_key(3);
  ASSERT_NE(router.command(key, {"SET", key, "before"}), nullptr);
  auto old_master = cluster.master_of(key_slot(key));
  cluster.node_on(old_master).kill9();
  // The replica takes over after cluster-node-timeout (1 s) and an
  // election: poll until a write goes through, as a client would.
  reply_ptr r;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    r = router.command(key, {"SET", key, "after"});
    if (r && reply::str(r.get()) == "OK")
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_NE(r, nullptr) << cluster.logs();
  ASSERT_EQ(reply::str(r.get()), "OK") << cluster.logs();
  auto owner = router.map().owner(key_slot(key));
  ASSERT_NE(owner, nullptr);
  EXPECT_NE(owner->port, old_master);
  EXPECT_EQ(cluster.node_on(owner->port).command({"GET", key}), "after");
}

TEST(redis_cluster_router_test, ASeedThatIsDownIsSkipped) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  redis_timeouts timeouts;
  timeouts.connect = 200ms;
  cluster_router router{{seed_on(free_port()), seed_on(cluster.nodes()[1]->port())}, timeouts,
                        "router-test"};
  ASSERT_TRUE(router.refresh());
  EXPECT_EQ(router.map().uncovered(), 0u);
  auto r = router.command("{x}:chat", {"SET", "{x}:chat", "1"});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(reply::str(r.get()), "OK");
}

} // namespace
} // namespace sb::test
