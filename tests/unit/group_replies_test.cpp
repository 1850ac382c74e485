// Reading what a consumer's reader gets from Redis (redis/group_replies).

#include <gtest/gtest.h>

#include "redis/group_replies.hpp"
#include "tests/unit/resp_text.hpp"

using namespace sb;
using sb::test::bulk;
using sb::test::resp;

namespace {

std::string entry(const std::string& id, const std::string& event, const std::string& data) {
  return "*2\r\n" + bulk(id) + "*4\r\n" + bulk("event") + bulk(event) + bulk("data") + bulk(data);
}

} // namespace

TEST(group_replies, take_with_entries_keeps_order_and_marks_deleted_ones) {
  auto r = resp("*2\r\n" + bulk("mine") + "*3\r\n" + entry("1-0", "message", "{}")
                + "*2\r\n" + bulk("2-0") + "$-1\r\n" + entry("3-0", "message", "[1]"));
  auto t = parse_take(r.get());
  ASSERT_EQ(t.what, take_reply::kind::entries);
  ASSERT_EQ(t.entries.size(), 3u);
  EXPECT_EQ(t.entries[0].id, "1-0");
  EXPECT_EQ(t.entries[0].fields, (std::vector<std::string>{"event", "message", "data", "{}"}));
  EXPECT_EQ(t.entries[1].id, "2-0");
  EXPECT_TRUE(t.entries[1].fields.empty()) << "deleted while pending";
  EXPECT_EQ(t.entries[2].fields[3], "[1]");
  EXPECT_EQ(t.last_id, "3-0");
}

TEST(group_replies, take_new_claimed_busy_gone_and_nonsense) {
  auto none = parse_take(resp("*2\r\n" + bulk("new") + "*0\r\n").get());
  EXPECT_EQ(none.what, take_reply::kind::entries);
  EXPECT_TRUE(none.entries.empty());
  EXPECT_EQ(none.last_id, "");
  auto claimed = parse_take(resp("*2\r\n" + bulk("claimed") + "*1\r\n" + entry("7-1", "e", "1")).get());
  EXPECT_EQ(claimed.what, take_reply::kind::entries);
  EXPECT_EQ(claimed.entries.size(), 1u);
  auto busy = parse_take(resp("*2\r\n" + bulk("busy") + bulk("9-3")).get());
  EXPECT_EQ(busy.what, take_reply::kind::busy);
  EXPECT_EQ(busy.last_id, "9-3");
  EXPECT_EQ(parse_take(resp("*1\r\n" + bulk("gone")).get()).what, take_reply::kind::gone);
  EXPECT_EQ(parse_take(resp("*1\r\n" + bulk("what")).get()).what, take_reply::kind::bad);
  EXPECT_EQ(parse_take(resp(":1\r\n").get()).what, take_reply::kind::bad);
  EXPECT_EQ(parse_take(nullptr).what, take_reply::kind::bad);
}

TEST(group_replies, scan_pages) {
  auto p = parse_scan(resp("*2\r\n" + bulk("1234") + "*2\r\n" + bulk("a:chat") + bulk("b:chat")).get());
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.cursor, "1234");
  EXPECT_EQ(p.keys, (std::vector<std::string>{"a:chat", "b:chat"}));
  auto last = parse_scan(resp("*2\r\n" + bulk("0") + "*0\r\n").get());
  EXPECT_TRUE(last.ok);
  EXPECT_EQ(last.cursor, "0");
  EXPECT_FALSE(parse_scan(resp("-ERR no\r\n").get()).ok);
  EXPECT_FALSE(parse_scan(nullptr).ok);
}

TEST(group_replies, wakeups_name_each_key_with_its_newest_id) {
  auto r = resp("*2\r\n*2\r\n" + bulk("a:chat") + "*1\r\n" + entry("5-0", "m", "1") + "*2\r\n"
                + bulk("b:chat") + "*2\r\n" + entry("6-0", "m", "1") + entry("6-1", "m", "2"));
  auto w = parse_wakeups(r.get());
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], (std::pair<std::string, std::string>{"a:chat", "5-0"}));
  EXPECT_EQ(w[1], (std::pair<std::string, std::string>{"b:chat", "6-1"}));
  EXPECT_TRUE(parse_wakeups(resp("*-1\r\n").get()).empty()) << "BLOCK timed out";
}
