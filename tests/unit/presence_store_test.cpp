// The memory broker's presence: first/last connection of a user, refresh,
// and sweeps that find exactly the expired connections (by an expiry index,
// as Redis' sorted set does).

#include <gtest/gtest.h>

#include "redis/presence_store.hpp"

using namespace sb;

namespace {

presence_conn conn(const std::string& id, const std::string& user) {
  return {id, user, R"({"id":")" + user + R"(","name":")" + user + R"("})"};
}

} // namespace

TEST(presence_store, sweeps_only_what_expired_and_reports_last_connections) {
  presence_store store;
  EXPECT_TRUE(store.add("k", conn("c1", "ada"), 100));
  EXPECT_FALSE(store.add("k", conn("c2", "ada"), 300)); // ada's second tab
  EXPECT_TRUE(store.add("k", conn("c3", "bob"), 200));
  EXPECT_EQ(store.count("k"), 2u);
  EXPECT_TRUE(store.refresh("k", "c3", 500)); // bob refreshed past the sweep
  EXPECT_TRUE(store.sweep("k", 99).empty());
  EXPECT_TRUE(store.sweep("k", 250).empty()); // c1 goes, ada still has c2
  EXPECT_EQ(store.count("k"), 2u);
  auto left = store.sweep("k", 300);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].find("ada"), std::string::npos);
  EXPECT_EQ(store.count("k"), 1u);
  EXPECT_FALSE(store.refresh("k", "c1", 900)); // swept
}

TEST(presence_store, re_adding_a_connection_moves_its_expiry) {
  presence_store store;
  store.add("k", conn("c1", "ada"), 100);
  store.add("k", conn("c1", "ada"), 1000); // the same connection again
  EXPECT_TRUE(store.sweep("k", 500).empty());
  EXPECT_EQ(store.sweep("k", 1000).size(), 1u);
  EXPECT_EQ(store.count("k"), 0u);
  EXPECT_TRUE(store.list("k").empty());
}

TEST(presence_store, remove_keeps_the_index_in_step) {
  presence_store store;
  store.add("k", conn("c1", "ada"), 100);
  store.add("k", conn("c2", "bob"), 100);
  EXPECT_TRUE(store.remove("k", "c1").has_value());
  auto left = store.sweep("k", 100);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].find("bob"), std::string::npos);
}
