// Redis Cluster addressing (redis/cluster_slots) against a real 3-master
// cluster: the slot map read from CLUSTER SLOTS, key slots compared with
// CLUSTER KEYSLOT for thousands of keys, and the MOVED and ASK redirects a
// slot migration produces. Runs in integration-redis.

#include "redis/cluster_slots.hpp"
#include "redis/redis_client.hpp"
#include "config/redis_url.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/redis_cluster.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <variant>

namespace sb::test {
namespace {

redis_client cluster_client(uint16_t port) {
  auto endpoint = std::get<redis_endpoint>(parse_redis_url("redis://127.0.0.1:"
                                                           + std::to_string(port)));
  return redis_client{endpoint, {}, "cluster-test"};
}

slot_map read_slot_map(uint16_t port) {
  auto client = cluster_client(port);
  slot_map map;
  auto reply = client.command({"CLUSTER", "SLOTS"});
  EXPECT_TRUE(map.load(reply.get(), cluster_node{"127.0.0.1", port}));
  return map;
}

/// Keys of every shape the slot function must get right: plain, tagged,
/// braces in every odd place, and random bytes.
std::vector<std::string> keys_to_check() {
  std::vector<std::string> keys{"", "{", "}", "{}", "{}{}", "a{}b", "{a}{b}", "a{b{c}d}",
                                "{{a}}", "}{a}", "stream:123", "{stream:123}:chat"};
  std::mt19937 random{42};
  const std::string alphabet = "ab{}:\x01\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string key(1 + random() % 12, ' ');
    for (auto& c : key)
      c = alphabet[random() % alphabet.size()];
    keys.push_back(key);
  }
  return keys;
}

TEST(redis_cluster_slots_test, TheSlotMapIsTheClustersAndEveryNodeAgrees) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  auto map = read_slot_map(cluster.nodes()[0]->port());
  EXPECT_EQ(map.masters().size(), 3u);
  EXPECT_EQ(map.uncovered(), 0u);
  std::set<uint16_t> ports;
  for (auto& master : map.masters())
    ports.insert(master.port);
  for (auto& node : cluster.nodes())
    EXPECT_EQ(ports.count(node->port()), 1u) << node->port();
  for (auto& node : cluster.nodes()) {
    auto other = read_slot_map(node->port());
    for (uint16_t slot = 0; slot < cluster_slots; slot += 97)
      EXPECT_EQ(*other.owner(slot), *map.owner(slot)) << "slot " << slot;
  }
}

TEST(redis_cluster_slots_test, KeySlotsAreClusterKeyslots) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  auto client = cluster_client(cluster.nodes()[0]->port());
  ASSERT_TRUE(client.ensure_connected());
  auto keys = keys_to_check();
  std::vector<std::vector<std::string>> commands;
  for (auto& key : keys)
    commands.push_back({"CLUSTER", "KEYSLOT", key});
  auto replies = client.pipeline(commands);
  ASSERT_EQ(replies.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_NE(replies[i], nullptr);
    EXPECT_EQ(key_slot(keys[i]), reply::integer(replies[i].get())) << "key " << keys[i];
  }
}

TEST(redis_cluster_slots_test, AMigratingSlotAsksAndAMovedSlotRedirects) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  const std::string key = "{stream:123}:chat";
  auto slot = key_slot(key);
  auto from = cluster.master_of(slot);
  uint16_t to = 0;
  for (auto& node : cluster.nodes())
    if (node->port() != from)
      to = node->port();
  auto& source = cluster.node_on(from);
  source.command({"SET", key, "v"});
  source.command({"SET", "{stream:123}:presence", "p"});

  // Mid-migration: the key already moved is asked for on the target.
  cluster.begin_move(slot, to);
  source.command({"MIGRATE", "127.0.0.1", std::to_string(to), key, "0", "5000"});
  auto client = cluster_client(from);
  auto asked = client.command({"GET", key});
  ASSERT_TRUE(reply::is_error(asked.get()));
  auto ask = parse_redirect(reply::str(asked.get()), cluster_node{"127.0.0.1", from});
  ASSERT_TRUE(ask) << reply::str(asked.get());
  EXPECT_EQ(ask->what, cluster_redirect::kind::ask);
  EXPECT_EQ(ask->slot, slot);
  EXPECT_EQ(ask->to, (cluster_node{"127.0.0.1", to}));
  auto target = cluster_client(to);
  ASSERT_TRUE(target.ready());
  auto answers = target.pipeline({{"ASKING"}, {"GET", key}});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(reply::str(answers[1].get()), "v") << "ASKING lets the target answer once";
  auto refused = target.command({"GET", key});
  EXPECT_TRUE(reply::is_error(refused.get())) << "without ASKING it sends us back";

  // Once moved: MOVED, and the map follows.
  cluster.move_slot(slot, to);
  auto map = read_slot_map(from);
  auto moved_reply = client.command({"GET", key});
  auto moved = parse_redirect(reply::str(moved_reply.get()), cluster_node{"127.0.0.1", from});
  ASSERT_TRUE(moved) << reply::str(moved_reply.get());
  EXPECT_EQ(moved->what, cluster_redirect::kind::moved);
  EXPECT_EQ(moved->to, (cluster_node{"127.0.0.1", to}));
  map.moved(moved->slot, moved->to);
  EXPECT_EQ(*map.owner(slot), (cluster_node{"127.0.0.1", to}));
  auto reloaded = read_slot_map(to);
  EXPECT_EQ(*reloaded.owner(slot), (cluster_node{"127.0.0.1", to}));
  EXPECT_EQ(cluster.node_on(to).command({"GET", "{stream:123}:presence"}), "p")
    << "every key of the stream moved with its slot";
}

} // namespace
} // namespace sb::test
