// The key scheme of redis.mode = cluster (redis/cluster_keys): every key and
// channel of one stream in the slot of the stream's name, and back.

#include <gtest/gtest.h>

#include "core/plugin_spec.hpp"
#include "redis/cluster_keys.hpp"
#include "redis/cluster_slots.hpp"

using namespace sb;

TEST(cluster_keys, a_stream_is_the_hash_tag) {
  EXPECT_EQ(cluster_key("stream:7:chat"), "{stream:7}:chat");
  EXPECT_EQ(cluster_key("room-1:presence"), "{room-1}:presence");
  EXPECT_EQ(cluster_key("alone"), "{alone}");
  EXPECT_EQ(hash_tag(cluster_key("stream:7:chat")), "stream:7");
}

TEST(cluster_keys, every_key_of_a_stream_shares_its_slot) {
  for (auto stream : {"stream:123", "a", "room.x-9:sub:deep"}) {
    auto slot = key_slot(std::string{"{"} + stream + "}");
    for (auto plugin : {"chat", "presence", "notifications"}) {
      auto key = cluster_key(make_key(stream, plugin));
      EXPECT_EQ(key_slot(key), slot) << key;
      // The companion keys the scripts derive by suffix stay there too.
      EXPECT_EQ(key_slot(key + ":expiry"), slot);
      EXPECT_EQ(key_slot(key + ":users"), slot);
      EXPECT_EQ(key_slot(key + ":read"), slot);
    }
  }
}

TEST(cluster_keys, logical_key_undoes_it) {
  for (auto key : {"stream:7:chat", "a:b", "x", "s.1-2:notifications"})
    EXPECT_EQ(logical_key(cluster_key(key)), key);
  EXPECT_EQ(logical_key("plain:chat"), "plain:chat") << "not tagged: unchanged";
  EXPECT_EQ(logical_key("{open:chat"), "{open:chat");
}
