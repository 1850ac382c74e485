// Redis Cluster addressing (redis/cluster_slots): key slots checked
// against what `CLUSTER KEYSLOT` answered on Redis 7.0, the slot map from
// `CLUSTER SLOTS` replies in the shape Redis sends them, and redirects.

#include <gtest/gtest.h>

#include "redis/cluster_slots.hpp"
#include "tests/unit/resp_text.hpp"

using namespace sb;
using sb::test::bulk;
using sb::test::integer;
using sb::test::resp;

namespace {

const cluster_node seed{"10.0.0.1", 7000};

/// One node of a CLUSTER SLOTS range as Redis 7 sends it: address, port,
/// id and an (empty) metadata map.
std::string slots_node(const std::string& host, int port) {
  return "*4\r\n" + bulk(host) + integer(port) + bulk(std::string(40, 'a')) + "*0\r\n";
}

std::string slots_range(int first, int last, const std::string& master,
                        const std::string& replica = {}) {
  return std::string{"*"} + (replica.empty() ? "3" : "4") + "\r\n" + integer(first)
       + integer(last) + master + replica;
}

/// Three masters splitting the slots as `redis-cli --cluster create` does.
std::string three_masters() {
  return "*3\r\n" + slots_range(0, 5460, slots_node("127.0.0.1", 17001))
       + slots_range(5461, 10922, slots_node("127.0.0.1", 17002),
                     slots_node("127.0.0.1", 17004))
       + slots_range(10923, 16383, slots_node("127.0.0.1", 17003));
}

} // namespace

TEST(cluster_slots, Crc16IsXmodem) {
  EXPECT_EQ(crc16("123456789"), 0x31C3);
  EXPECT_EQ(crc16(""), 0);
}

TEST(cluster_slots, KeySlotsAreWhatRedisAnswers) {
  // `redis-cli cluster keyslot` on a Redis 7.0 cluster.
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot("123456789"), 12739);
  EXPECT_EQ(key_slot("stream:123"), 7523);
  EXPECT_EQ(key_slot("{stream:123}:chat"), 7523);
  EXPECT_EQ(key_slot("{}x"), 10595);  // empty tag: the whole key
  EXPECT_EQ(key_slot("{"), 4092);     // no closing brace: the whole key
  EXPECT_EQ(key_slot("a{}{b}"), 15033); // the first `{` decides, and its tag is empty
  EXPECT_EQ(key_slot("a{b}}"), 3300);   // the first `}` after it closes the tag
}

TEST(cluster_slots, EveryKeyOfAStreamSharesItsTagsSlot) {
  for (auto key : {"{room:7}:chat", "{room:7}:presence", "{room:7}:presence:expiry",
                   "{room:7}:presence:users", "{room:7}:notifications:read"})
    EXPECT_EQ(key_slot(key), key_slot("room:7")) << key;
  EXPECT_EQ(hash_tag("{room:7}:chat"), "room:7");
  EXPECT_EQ(hash_tag("room:7:chat"), "room:7:chat");
}

TEST(cluster_slots, LoadsThreeMastersAndIgnoresReplicas) {
  slot_map map;
  auto r = resp(three_masters());
  ASSERT_TRUE(map.load(r.get(), seed));
  ASSERT_EQ(map.masters().size(), 3u);
  EXPECT_EQ(map.uncovered(), 0u);
  EXPECT_EQ(*map.owner(0), (cluster_node{"127.0.0.1", 17001}));
  EXPECT_EQ(*map.owner(5460), (cluster_node{"127.0.0.1", 17001}));
  EXPECT_EQ(*map.owner(5461), (cluster_node{"127.0.0.1", 17002}));
  EXPECT_EQ(*map.owner(key_slot("foo")), (cluster_node{"127.0.0.1", 17003}));
  EXPECT_EQ(map.owner_index(16383), 2);
  EXPECT_EQ(map.version(), 1u);
}

TEST(cluster_slots, ReloadingTheSameMapKeepsItsVersion) {
  slot_map map;
  auto r = resp(three_masters());
  ASSERT_TRUE(map.load(r.get(), seed));
  ASSERT_TRUE(map.load(r.get(), seed));
  EXPECT_EQ(map.version(), 1u);
}

TEST(cluster_slots, AnEmptyOrNullHostIsTheNodeAsked) {
  slot_map map;
  auto r = resp("*2\r\n" + slots_range(0, 8191, slots_node("", 7001))
                + slots_range(8192, 16383, "*3\r\n$-1\r\n" + integer(7002) + bulk("id")));
  ASSERT_TRUE(map.load(r.get(), seed));
  EXPECT_EQ(*map.owner(0), (cluster_node{"10.0.0.1", 7001}));
  EXPECT_EQ(*map.owner(16383), (cluster_node{"10.0.0.1", 7002}));
}

TEST(cluster_slots, UncoveredAndUnknownSlotsHaveNoOwner) {
  slot_map map;
  auto r = resp("*2\r\n" + slots_range(0, 99, slots_node("127.0.0.1", 7001))
                + slots_range(100, 199, slots_node("?", 7002)));
  ASSERT_TRUE(map.load(r.get(), seed));
  EXPECT_NE(map.owner(99), nullptr);
  EXPECT_EQ(map.owner(100), nullptr);
  EXPECT_EQ(map.owner(200), nullptr);
  EXPECT_EQ(map.owner_index(16383), -1);
  EXPECT_EQ(map.uncovered(), cluster_slots - 100u);
}

TEST(cluster_slots, ARepliesThatIsNoSlotMapLeavesTheMapAlone) {
  slot_map map;
  auto good = resp(three_masters());
  ASSERT_TRUE(map.load(good.get(), seed));
  for (std::string bad :
       {std::string{"-ERR This instance has cluster support disabled\r\n"},
        std::string{"$2\r\nno\r\n"},
        "*1\r\n" + slots_range(5, 4, slots_node("h", 1)),        // first > last
        "*1\r\n" + slots_range(0, 16384, slots_node("h", 1)),    // past the last slot
        "*1\r\n" + slots_range(-1, 3, slots_node("h", 1)),       // negative
        "*1\r\n" + slots_range(0, 3, slots_node("h", 0)),        // port 0
        "*1\r\n" + slots_range(0, 3, slots_node("h", 65536)),    // port too big
        "*1\r\n*2\r\n" + integer(0) + integer(3),                  // no master
        "*1\r\n" + slots_range(0, 3, "*1\r\n" + bulk("h")),       // no port
        "*1\r\n" + slots_range(0, 3, "*2\r\n" + integer(1) + integer(2))}) { // host no string
    auto r = resp(bad);
    EXPECT_FALSE(map.load(r.get(), seed)) << bad;
    EXPECT_EQ(map.masters().size(), 3u) << bad;
    EXPECT_EQ(map.uncovered(), 0u) << bad;
  }
  EXPECT_EQ(map.version(), 1u);
}

TEST(cluster_slots, MovedChangesOneSlotAndTheVersion) {
  slot_map map;
  auto r = resp(three_masters());
  ASSERT_TRUE(map.load(r.get(), seed));
  map.moved(7523, cluster_node{"127.0.0.1", 17003});
  EXPECT_EQ(*map.owner(7523), (cluster_node{"127.0.0.1", 17003}));
  EXPECT_EQ(*map.owner(7522), (cluster_node{"127.0.0.1", 17002}));
  EXPECT_EQ(map.version(), 2u);
  map.moved(7523, cluster_node{"127.0.0.1", 17003}); // told twice: nothing changes
  EXPECT_EQ(map.version(), 2u);
  map.moved(1, cluster_node{"127.0.0.1", 17009}); // a master not in the map yet
  EXPECT_EQ(*map.owner(1), (cluster_node{"127.0.0.1", 17009}));
  EXPECT_EQ(map.masters().size(), 4u);
}

TEST(cluster_slots, ParsesRedirects) {
  auto moved = parse_redirect("MOVED 12182 127.0.0.1:17003", seed);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->what, cluster_redirect::kind::moved);
  EXPECT_EQ(moved->slot, 12182);
  EXPECT_EQ(moved->to, (cluster_node{"127.0.0.1", 17003}));

  auto ask = parse_redirect("ASK 0 [::1]:7001", seed);
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->what, cluster_redirect::kind::ask);
  EXPECT_EQ(ask->to, (cluster_node{"::1", 7001}));
  EXPECT_EQ(ask->to.describe(), "[::1]:7001");

  auto ipv6 = parse_redirect("MOVED 16383 fe80::1:7002", seed);
  ASSERT_TRUE(ipv6);
  EXPECT_EQ(ipv6->to, (cluster_node{"fe80::1", 7002}));

  auto unknown_host = parse_redirect("MOVED 3999 :6380", seed);
  ASSERT_TRUE(unknown_host);
  EXPECT_EQ(unknown_host->to, (cluster_node{"10.0.0.1", 6380}));
}

TEST(cluster_slots, OtherErrorsAndMalformedRedirectsAreNoRedirects) {
  for (auto text : {"ERR unknown command", "MOVED", "MOVED 1", "MOVED 16384 h:1",
                    "MOVED -1 h:1", "MOVED 1x h:1", "MOVED 1 h", "MOVED 1 h:0", "MOVED 1 h:",
                    "MOVED 1 h:99999", "ASK 123456 h:1", "MOVED  h:1", "moved 1 h:1",
                    "CLUSTERDOWN Hash slot not served", "TRYAGAIN Multiple keys request"})
    EXPECT_FALSE(parse_redirect(text, seed)) << text;
}
