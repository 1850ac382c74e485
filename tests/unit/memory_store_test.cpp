#include <gtest/gtest.h>

#include "redis/memory_store.hpp"

using namespace sb;

namespace {

std::vector<std::string> fields(const std::string& text) {
  return {"data", text};
}

std::vector<std::string> ids(const std::vector<stream_entry>& entries) {
  std::vector<std::string> out;
  for (auto& e : entries)
    out.push_back(e.id);
  return out;
}

} // namespace

TEST(memory_store, ids_only_increase_even_when_the_clock_goes_back) {
  memory_store store;
  EXPECT_EQ(store.xadd("k", fields("a"), 0, 1000).id, "1000-0");
  EXPECT_EQ(store.xadd("k", fields("b"), 0, 1000).id, "1000-1");
  EXPECT_EQ(store.xadd("k", fields("c"), 0, 999).id, "1000-2");
  EXPECT_EQ(store.xadd("k", fields("d"), 0, 1001).id, "1001-0");
  EXPECT_EQ(store.xadd("other", fields("e"), 0, 5).id, "5-0"); // per stream
  EXPECT_EQ(store.last_id("k").str(), "1001-0");
  EXPECT_EQ(store.last_id("none").str(), "0-0");
}

TEST(memory_store, trims_to_maxlen_from_the_front) {
  memory_store store;
  for (uint64_t i = 1; i <= 10; ++i)
    store.xadd("k", fields(std::to_string(i)), 4, i);
  EXPECT_EQ(store.length("k"), 4u);
  EXPECT_EQ(ids(store.tail("k", 100)), (std::vector<std::string>{"7-0", "8-0", "9-0", "10-0"}));
}

TEST(memory_store, tail_returns_the_newest_oldest_first) {
  memory_store store;
  for (uint64_t i = 1; i <= 5; ++i)
    store.xadd("k", fields(std::to_string(i)), 0, i);
  EXPECT_EQ(ids(store.tail("k", 2)), (std::vector<std::string>{"4-0", "5-0"}));
  EXPECT_TRUE(store.tail("k", 0).empty());
  EXPECT_TRUE(store.tail("missing", 5).empty());
}

TEST(memory_store, replay_returns_entries_after_an_id) {
  memory_store store;
  for (uint64_t i = 1; i <= 5; ++i)
    store.xadd("k", fields(std::to_string(i)), 0, i);
  auto r = store.replay("k", stream_id{2, 0}, 100);
  EXPECT_TRUE(r.recovered);
  EXPECT_EQ(ids(r.entries), (std::vector<std::string>{"3-0", "4-0", "5-0"}));
  EXPECT_EQ(ids(store.replay("k", stream_id{2, 0}, 2).entries),
            (std::vector<std::string>{"3-0", "4-0"}));
  EXPECT_TRUE(store.replay("k", stream_id{5, 0}, 100).entries.empty());
  EXPECT_TRUE(store.replay("k", stream_id{2, 7}, 100).recovered); // between ids
}

TEST(memory_store, replay_is_not_recovered_once_trimmed_past_since) {
  memory_store store;
  for (uint64_t i = 1; i <= 10; ++i)
    store.xadd("k", fields(std::to_string(i)), 5, i); // keeps 6..10, deleted up to 5
  EXPECT_TRUE(store.replay("k", stream_id{5, 0}, 100).recovered);
  EXPECT_EQ(store.replay("k", stream_id{5, 0}, 100).entries.size(), 5u);
  auto r = store.replay("k", stream_id{4, 0}, 100);
  EXPECT_FALSE(r.recovered);
  EXPECT_EQ(ids(r.entries).front(), "6-0");
}

TEST(memory_store, an_id_the_stream_never_issued_is_not_recovered) {
  memory_store store;
  EXPECT_FALSE(store.replay("gone", stream_id{5, 0}, 10).recovered);
  EXPECT_TRUE(store.replay("gone", stream_id{}, 10).recovered);
  store.xadd("k", fields("a"), 0, 10);
  EXPECT_FALSE(store.replay("k", stream_id{99, 0}, 10).recovered);
  EXPECT_TRUE(store.replay("k", stream_id{10, 0}, 10).recovered);
}

TEST(stream_id, parses_and_orders) {
  EXPECT_EQ(stream_id::parse("17-3")->str(), "17-3");
  EXPECT_EQ(stream_id::parse("17")->str(), "17-0");
  EXPECT_FALSE(stream_id::parse(""));
  EXPECT_FALSE(stream_id::parse("a-1"));
  EXPECT_FALSE(stream_id::parse("1-"));
  EXPECT_FALSE(stream_id::parse("-1"));
  EXPECT_FALSE(stream_id::parse("1-2-3"));
  EXPECT_FALSE(stream_id::parse("99999999999999999999999"));
  EXPECT_LT(*stream_id::parse("1-9"), *stream_id::parse("2-0"));
  EXPECT_LT(*stream_id::parse("2-1"), *stream_id::parse("2-10"));
  EXPECT_EQ(stream_id::parse("5-0")->next().str(), "5-1");
}

TEST(memory_store, before_pages_back_without_gap_or_duplicate) {
  memory_store store;
  for (uint64_t i = 1; i <= 10; ++i)
    store.xadd("k", fields(std::to_string(i)), 0, i);
  EXPECT_EQ(ids(store.before("k", stream_id{8, 0}, 3)),
            (std::vector<std::string>{"5-0", "6-0", "7-0"}));
  EXPECT_EQ(ids(store.before("k", stream_id{5, 0}, 3)),
            (std::vector<std::string>{"2-0", "3-0", "4-0"}));
  EXPECT_EQ(ids(store.before("k", stream_id{2, 0}, 3)), (std::vector<std::string>{"1-0"}));
  EXPECT_TRUE(store.before("k", stream_id{1, 0}, 3).empty());
  EXPECT_TRUE(store.before("none", stream_id{9, 0}, 3).empty());
  // An id between two entries: the entries below it.
  EXPECT_EQ(ids(store.before("k", stream_id{4, 7}, 2)), (std::vector<std::string>{"3-0", "4-0"}));
}
