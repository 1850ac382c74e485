// The Redis topology options: `redis.mode` (single, sharded, cluster,
// sentinel), what an unset mode means for existing configurations (one
// URL: single, several: sharded), the sentinel options that build the one
// sentinel endpoint, `redis.wait-replicas`, and a clear error, naming where
// the value came from, for each contradiction.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "config/config_printer.hpp"
#include "redis/sentinel_resolver.hpp"
#include "tests/unit/config_run.hpp"

using namespace sb;
using sb::test::config_run;

namespace {

const char* sentinel_ini = "broker = \"redis\"\n"
                           "[redis]\n"
                           "mode = \"sentinel\"\n"
                           "sentinels = [\"10.0.0.1:26380\", \"10.0.0.2\", \"sentinel-3:26381\"]\n"
                           "master-name = \"chat\"\n";

/// The error of a configuration, which must contain `part`.
::testing::AssertionResult fails_with(const config_run& run, const std::string& part) {
  if (run.error().find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "error \"" << run.error() << "\" lacks \"" << part
                                       << "\"";
}

} // namespace

TEST(redis_mode_options, without_a_mode_one_url_is_single_and_several_are_sharded) {
  config_run one{"broker = \"redis\"\n[redis]\nurl = \"redis://h:7000/2\"\n"};
  ASSERT_EQ(one.error(), "");
  EXPECT_EQ(one.values().redis_mode, "single");
  ASSERT_EQ(one.values().redis_shards.size(), 1u);
  EXPECT_EQ(one.values().redis_shards[0].port, 7000);
  EXPECT_FALSE(one.values().redis_shards[0].via_sentinel());

  config_run two{"broker = \"redis\"\n[redis]\nurl = \"redis://a:1,redis://b:2\"\n"};
  ASSERT_EQ(two.error(), "");
  EXPECT_EQ(two.values().redis_mode, "sharded");
  EXPECT_EQ(two.values().redis_shards.size(), 2u);

  config_run fallback{"", {"--broker=redis"}};
  ASSERT_EQ(fallback.error(), "");
  EXPECT_EQ(fallback.values().redis_mode, "single");
  EXPECT_EQ(fallback.values().redis_shards.at(0).describe(), "127.0.0.1:6379");
}

TEST(redis_mode_options, explicit_single_and_sharded) {
  config_run single{"", {"--broker=redis", "--redis.mode=single", "--redis.url=redis://h"}};
  ASSERT_EQ(single.error(), "");
  EXPECT_EQ(single.values().redis_mode, "single");
  config_run sharded{"", {"--broker=redis", "--redis.mode=sharded",
                          "--redis.url=redis://a,redis://b,redis://c"}};
  ASSERT_EQ(sharded.error(), "");
  EXPECT_EQ(sharded.values().redis_mode, "sharded");
  EXPECT_EQ(sharded.values().redis_shards.size(), 3u);
  // A list of one is a valid start that grows later.
  config_run one_shard{"", {"--broker=redis", "--redis.mode=sharded", "--redis.url=redis://a"}};
  ASSERT_EQ(one_shard.error(), "");
  EXPECT_EQ(one_shard.values().redis_shards.size(), 1u);
}

TEST(redis_mode_options, cluster_takes_seeds_from_the_url) {
  config_run cluster{"", {"--broker=redis", "--redis.mode=cluster",
                          "--redis.url=redis://:pw@10.0.0.1:7000,redis://10.0.0.2:7001",
                          "--redis.wait-replicas=1"}};
  ASSERT_EQ(cluster.error(), "");
  EXPECT_EQ(cluster.values().redis_mode, "cluster");
  auto& seeds = cluster.values().redis_shards;
  ASSERT_EQ(seeds.size(), 2u);
  EXPECT_EQ(seeds[0].host, "10.0.0.1");
  EXPECT_EQ(seeds[0].port, 7000);
  EXPECT_EQ(seeds[0].password, "pw");
  EXPECT_EQ(seeds[1].wait_replicas, 1);
  config_run stray{"", {"--broker=redis", "--redis.mode=cluster", "--redis.master-name=m"}};
  EXPECT_TRUE(fails_with(stray, "redis.master-name is for redis.mode = sentinel, not cluster"));
}

TEST(redis_mode_options, sentinel_builds_one_endpoint_from_its_options) {
  config_run run{std::string{sentinel_ini} + "password = \"pw\"\ndb = 3\n"
                                             "sentinel-password = \"spw\"\nwait-replicas = 1\n"};
  ASSERT_EQ(run.error(), "");
  EXPECT_EQ(run.values().redis_mode, "sentinel");
  ASSERT_EQ(run.values().redis_shards.size(), 1u);
  auto& ep = run.values().redis_shards[0];
  EXPECT_TRUE(ep.via_sentinel());
  EXPECT_EQ(ep.master_name, "chat");
  ASSERT_EQ(ep.sentinels.size(), 3u);
  EXPECT_EQ(ep.sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(ep.sentinels[0].port, 26380);
  EXPECT_EQ(ep.sentinels[1].host, "10.0.0.2");
  EXPECT_EQ(ep.sentinels[1].port, 26379) << "the sentinel port by default";
  EXPECT_EQ(ep.sentinels[2].host, "sentinel-3");
  EXPECT_EQ(ep.password, "pw");
  EXPECT_EQ(ep.sentinel_password, "spw");
  EXPECT_EQ(ep.db, 3);
  EXPECT_EQ(ep.wait_replicas, 1);
  EXPECT_EQ(ep.describe(), "sentinel:chat/3") << "logs name the master, never a password";
}

TEST(redis_mode_options, sentinel_from_flags_and_environment) {
  config_run run{"", {"--broker=redis", "--redis.mode=sentinel", "--redis.master-name=m",
                      "--redis.sentinels=127.0.0.1:1,127.0.0.1:2"},
                 {"SWITCHBOARD_REDIS_WAIT_REPLICAS=2"}};
  ASSERT_EQ(run.error(), "");
  auto& ep = run.values().redis_shards.at(0);
  EXPECT_EQ(ep.sentinels.size(), 2u);
  EXPECT_EQ(ep.sentinels[1].port, 2);
  EXPECT_EQ(ep.wait_replicas, 2);
}

TEST(redis_mode_options, wait_replicas_applies_to_every_shard) {
  config_run run{"", {"--broker=redis", "--redis.url=redis://a,redis://b",
                      "--redis.wait-replicas=1"}};
  ASSERT_EQ(run.error(), "");
  for (auto& ep : run.values().redis_shards)
    EXPECT_EQ(ep.wait_replicas, 1);
  config_run none{"", {"--broker=redis"}};
  EXPECT_EQ(none.values().redis_shards.at(0).wait_replicas, 0) << "no WAIT by default";
  EXPECT_TRUE(fails_with(config_run{"", {"--broker=redis", "--redis.wait-replicas=-1"}},
                         "redis.wait-replicas must be in 0..64"));
}

TEST(redis_mode_options, contradictions_are_clear_errors) {
  config_run unix_seed{"", {"--broker=redis", "--redis.mode=cluster",
                            "--redis.url=unix:///tmp/r.sock"}};
  EXPECT_TRUE(fails_with(unix_seed, "redis.mode = cluster needs TCP seeds"));
  config_run db_seed{"", {"--broker=redis", "--redis.mode=cluster", "--redis.url=redis://h:1/2"}};
  EXPECT_TRUE(fails_with(db_seed, "redis.mode = cluster has database 0 only, got /2"));
  EXPECT_TRUE(fails_with(config_run{"", {"--broker=redis", "--redis.mode=replicated"}},
                         "redis.mode must be one of single, sharded, cluster, sentinel, got "
                         "\"replicated\""));

  config_run single{"broker = \"redis\"\n[redis]\nmode = \"single\"\nurl = \"redis://a,redis://b\"\n"};
  EXPECT_TRUE(fails_with(single, single.path() + ":3: redis.mode = single takes one server, but "
                                                 "redis.url lists 2"));

  config_run no_master{"broker = \"redis\"\n[redis]\nmode = \"sentinel\"\n"
                       "sentinels = [\"h:1\"]\n"};
  EXPECT_TRUE(fails_with(no_master, "redis.mode = sentinel needs redis.master-name"));
  config_run no_sentinels{"broker = \"redis\"\n[redis]\nmode = \"sentinel\"\n"
                          "master-name = \"m\"\n"};
  EXPECT_TRUE(fails_with(no_sentinels, "redis.mode = sentinel needs redis.sentinels"));
  config_run bad_port{std::string{sentinel_ini} + "sentinels = [\"h:0\"]\n"};
  EXPECT_TRUE(fails_with(bad_port, "redis.sentinels h:0: expected host:port, the port must be 1..65535"));
  config_run no_host{std::string{sentinel_ini} + "sentinels = [\":26379\"]\n"};
  EXPECT_TRUE(fails_with(no_host, "redis.sentinels :26379: expected host:port, missing host"));
  config_run url_too{std::string{sentinel_ini} + "url = \"redis://h\"\n"};
  EXPECT_TRUE(fails_with(url_too, url_too.path() + ":6: redis.url names fixed servers; with "
                                                   "redis.mode = sentinel the sentinels say"));

  config_run stray{"", {"--broker=redis", "--redis.master-name=m"}};
  EXPECT_TRUE(fails_with(stray, "--redis.master-name: redis.master-name is for redis.mode = "
                                "sentinel, not single"));
  config_run stray_sentinels{"", {"--broker=redis", "--redis.url=redis://a,redis://b",
                                  "--redis.sentinels=h:1"}};
  EXPECT_TRUE(fails_with(stray_sentinels, "redis.sentinels is for redis.mode = sentinel, not "
                                          "sharded"));
  config_run stray_password{"", {"--broker=redis", "--redis.password=x"}};
  EXPECT_TRUE(fails_with(stray_password, "(put the password and database in redis.url)"));
}

TEST(redis_mode_options, the_memory_broker_ignores_them) {
  config_run run{"", {"--redis.mode=cluster"}};
  EXPECT_EQ(run.error(), "") << "redis.* only matter with broker = redis";
}

TEST(redis_mode_options, passwords_are_masked_and_help_lists_the_modes) {
  EXPECT_EQ(masked("redis.password", "pw"), "****");
  EXPECT_EQ(masked("redis.sentinel-password", "pw"), "****");
  auto help = help_text();
  EXPECT_NE(help.find("--redis.mode="), std::string::npos) << help;
  EXPECT_NE(help.find("--redis.sentinels="), std::string::npos);
  EXPECT_NE(help.find("--redis.wait-replicas=0"), std::string::npos);
}

TEST(redis_mode_options, switch_master_payloads) {
  auto moved = sentinel_reply::switch_master("chat 10.0.0.1 6379 10.0.0.2 6380", "chat");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->first, "10.0.0.2");
  EXPECT_EQ(moved->second, 6380);
  EXPECT_FALSE(sentinel_reply::switch_master("other 10.0.0.1 6379 10.0.0.2 6380", "chat"))
    << "another master's failover";
  EXPECT_FALSE(sentinel_reply::switch_master("chat 10.0.0.1 6379 10.0.0.2", "chat"));
  EXPECT_FALSE(sentinel_reply::switch_master("chat 10.0.0.1 6379 10.0.0.2 0", "chat"));
}

TEST(redis_mode_options, the_shipped_ini_file_takes_every_mode) {
  // It lists every option at its default (url included): that is no choice
  // a mode could contradict.
  std::ifstream in{SWITCHBOARD_SOURCE_DIR "/config/switchboard.ini"};
  std::string ini{std::istreambuf_iterator<char>(in), {}};
  config_run sentinel{ini, {"--broker=redis", "--redis.mode=sentinel", "--redis.master-name=m",
                            "--redis.sentinels=h:1"}};
  EXPECT_EQ(sentinel.error(), "");
  config_run sharded{ini, {"--broker=redis", "--redis.url=redis://a,redis://b"}};
  EXPECT_EQ(sharded.error(), "");
  config_run cluster{ini, {"--broker=redis", "--redis.mode=cluster", "--redis.url=redis://a:7000"}};
  EXPECT_EQ(cluster.error(), "");
  EXPECT_EQ(sharded.values().redis_mode, "sharded");
}
