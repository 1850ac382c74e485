#include <gtest/gtest.h>

#include "net/query.hpp"
#include "core/envelope.hpp"
#include "core/event_codec.hpp"

using namespace sb;
using nlohmann::json;

TEST(event_codec, round_trips_a_published_event) {
  auto payload = encode_published("message", "5-1", R"({"text":"hi"})");
  auto ev = decode_published(payload, "other");
  EXPECT_EQ(ev.event, "message");
  EXPECT_EQ(ev.id, "5-1");
  EXPECT_EQ(json::parse(ev.data), json::parse(R"({"text":"hi"})"));
  EXPECT_TRUE(decode_published(encode_published("joined", "", "{}"), "x").id.empty());
}

TEST(event_codec, takes_a_foreign_payload_whole_as_data) {
  auto ev = decode_published(R"({"title":"build done"})", "notification");
  EXPECT_EQ(ev.event, "notification");
  EXPECT_EQ(json::parse(ev.data), json::parse(R"({"title":"build done"})"));
  auto text = decode_published("plain text", "notification");
  EXPECT_EQ(json::parse(text.data), "plain text");
}

TEST(event_codec, decodes_stream_entries) {
  auto ev = decode_entry(stream_entry{"9-0", entry_fields("message", R"({"a":1})")}, "x");
  EXPECT_EQ(ev.event, "message");
  EXPECT_EQ(ev.id, "9-0");
  EXPECT_EQ(json::parse(ev.data)["a"], 1);
  auto foreign = decode_entry(stream_entry{"9-1", {"data", "not json"}}, "notification");
  EXPECT_EQ(foreign.event, "notification");
  EXPECT_EQ(json::parse(foreign.data), "not json");
}

// Found by fuzz/redis_reply_fuzzer: anyone who can write to Redis can put
// bytes that are not UTF-8 in a published payload, an entry's data or its
// event name; serializing them threw, and the topic actor with it. They now
// become U+FFFD, and every frame built from them is valid JSON.
TEST(event_codec, bytes_that_are_not_utf8_become_replacement_characters) {
  auto entry = decode_entry(stream_entry{"9-2", {"event", "n\xff", "data", "caf\xe9"}}, "x");
  EXPECT_EQ(json::parse(entry.data), "caf\xef\xbf\xbd");
  auto frame = event_frame("notifications", "user:u42", entry.event, entry.id, entry.data);
  EXPECT_EQ(json::parse(frame)["event"], "n\xef\xbf\xbd");
  auto published = decode_published("\xc3(", "notification");
  EXPECT_EQ(json::parse(published.data), "\xef\xbf\xbd(");
  auto foreign_event = decode_published(R"({"event":"x","data":1})", "notification");
  EXPECT_EQ(json::parse(event_frame("chat", "s", "\xc3", "", foreign_event.data))["event"],
            "\xef\xbf\xbd");
}

// Found by fuzz/redis_reply_fuzzer: nlohmann's parser stops at a NUL byte,
// so a payload or an entry's data of JSON, a NUL and any bytes after it
// (from anyone who can write to Redis) passed as JSON and went into the
// frame whole: the socket got a frame that was not JSON. Now it is text.
TEST(event_codec, json_followed_by_a_nul_byte_is_text_not_json) {
  std::string tail("{\"a\":1}\0\0{junk", 13);
  EXPECT_FALSE(is_json_text(tail));
  EXPECT_TRUE(is_json_text(R"({"a":1})"));
  auto published = decode_published(tail, "notification");
  EXPECT_EQ(json::parse(published.data), tail);
  auto entry = decode_entry(stream_entry{"9-3", {"data", tail}}, "x");
  EXPECT_EQ(json::parse(entry.data), tail);
  for (auto* data : {&published.data, &entry.data})
    EXPECT_TRUE(is_json_text(event_frame("chat", "s", "message", "", *data)));
}

TEST(query, splits_path_and_decodes_parameters) {
  EXPECT_EQ(target_path("/ws?clients=x"), "/ws");
  EXPECT_EQ(target_path("/healthz"), "/healthz");
  EXPECT_EQ(query_param("/ws?a=1&clients=%5B%7B%7D%5D&name=Ada+L", "clients"), "[{}]");
  EXPECT_EQ(query_param("/ws?a=1&name=Ada+L%C3%A9", "name"), "Ada L\xc3\xa9");
  EXPECT_EQ(query_param("/ws?flag&x=1", "flag"), "");
  EXPECT_FALSE(query_param("/ws?a=1", "clients"));
  EXPECT_FALSE(query_param("/ws", "clients"));
  EXPECT_FALSE(query_param("/ws?clients=%zz", "clients"));
  EXPECT_FALSE(query_param("/ws?clients=%2", "clients"));
}

TEST(event_codec, carries_how_topics_treat_an_event) {
  auto plain = decode_published(encode_published("joined", "", "{}"), "x");
  EXPECT_FALSE(plain.coalesce);
  EXPECT_EQ(plain.max_members, 0u);
  auto crowd = decode_published(encode_published("joined", "", "{}", {false, 1000}), "x");
  EXPECT_EQ(crowd.max_members, 1000u);
  auto count = decode_published(encode_published("count", "", R"({"count":5})", {true, 0}), "x");
  EXPECT_TRUE(count.coalesce);
  EXPECT_EQ(json::parse(count.data)["count"], 5);
}

TEST(query, lists_every_parameter_name) {
  EXPECT_EQ(query_names("/api/history?stream=s&limit=5&x&&reverse=true"),
            (std::vector<std::string>{"stream", "limit", "x", "reverse"}));
  EXPECT_TRUE(query_names("/api/history").empty());
}
