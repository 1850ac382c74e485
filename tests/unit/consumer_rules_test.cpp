// The pure rules of stream consumers (core/consumer_rules): which keys a
// consumer reads, the webhook's JSON, the retry schedule, dead letters.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/consumer_rules.hpp"

using namespace sb;
using nlohmann::json;
using std::chrono::milliseconds;

TEST(consumer_glob, matches_as_redis_scan_does) {
  EXPECT_TRUE(redis_glob_match("room:*:chat", "room:1:chat"));
  EXPECT_TRUE(redis_glob_match("room:*:chat", "room:a:b:chat")) << "* crosses colons, as in Redis";
  EXPECT_FALSE(redis_glob_match("room:*:chat", "room:1:presence"));
  EXPECT_FALSE(redis_glob_match("room:*:chat", "xroom:1:chat"));
  EXPECT_TRUE(redis_glob_match("*", ""));
  EXPECT_TRUE(redis_glob_match("**a**", "bab"));
  EXPECT_TRUE(redis_glob_match("room:?:chat", "room:7:chat"));
  EXPECT_FALSE(redis_glob_match("room:?:chat", "room:17:chat"));
  EXPECT_TRUE(redis_glob_match("room:[0-9]:chat", "room:5:chat"));
  EXPECT_TRUE(redis_glob_match("room:[9-0]:chat", "room:5:chat")) << "a reversed range still counts";
  EXPECT_FALSE(redis_glob_match("room:[0-9]:chat", "room:x:chat"));
  EXPECT_TRUE(redis_glob_match("room:[^0-9]:chat", "room:x:chat"));
  EXPECT_FALSE(redis_glob_match("room:[^0-9]:chat", "room:5:chat"));
  EXPECT_TRUE(redis_glob_match("room:[ab]:chat", "room:b:chat"));
  EXPECT_TRUE(redis_glob_match("a\\*b", "a*b"));
  EXPECT_FALSE(redis_glob_match("a\\*b", "axb"));
  EXPECT_TRUE(redis_glob_match("*:chat", "stream:123:chat"));
  EXPECT_FALSE(redis_glob_match("*:chat", "stream:123:chat:x"));
}

TEST(consumer_glob, many_stars_stay_linear) {
  std::string text(20'000, 'a');
  EXPECT_FALSE(redis_glob_match("*a*a*a*a*a*a*a*a*b", text));
}

TEST(consumer_keys, only_keys_of_streams_and_plugins) {
  EXPECT_TRUE(consumable_key("*", "room:1:chat"));
  EXPECT_TRUE(consumable_key("*:notifications", "user:42:notifications"));
  EXPECT_FALSE(consumable_key("*", "nocolon"));
  EXPECT_FALSE(consumable_key("*", "room:1:Chat")) << "plugin names are lower case";
  EXPECT_FALSE(consumable_key("*", ":chat")) << "an empty stream name";
  EXPECT_FALSE(consumable_key("*", dead_letter_key("archive")))
    << "a consumer never reads dead letters, whatever its glob";
  EXPECT_FALSE(consumable_key("room:*", "dm:1:chat"));
}

TEST(consumer_webhook, body_holds_stream_client_id_event_and_data) {
  stream_entry e{"1718000000000-0", {"event", "message", "data", R"({"text":"hi","n":1})"}};
  auto body = json::parse(webhook_body("room:1:chat", e, "message"));
  EXPECT_EQ(body, json::parse(R"({"stream":"room:1","client":"chat","id":"1718000000000-0",
                                  "event":"message","data":{"text":"hi","n":1}})"));
}

TEST(consumer_webhook, entries_are_decoded_as_sockets_get_them) {
  // A backend's own XADD: no event field (the plugin's default), data not JSON.
  stream_entry e{"5-1", {"data", "plain \xff text"}};
  auto body = json::parse(webhook_body("user:7:notifications", e, "notification"));
  EXPECT_EQ(body["event"], "notification");
  EXPECT_EQ(body["data"], "plain \xEF\xBF\xBD text") << "not UTF-8: U+FFFD, still JSON";
  EXPECT_EQ(body["stream"], "user:7");
  EXPECT_EQ(body["client"], "notifications");
  stream_entry empty{"5-2", {"other", "x"}};
  EXPECT_EQ(json::parse(webhook_body("a:chat", empty, "message"))["data"], nullptr);
}

TEST(consumer_retry, doubles_from_the_first_delay_up_to_a_minute) {
  auto top = [](uint32_t n) { return retry_delay(n, milliseconds{1000}, 1.0).count(); };
  EXPECT_EQ(top(1), 1000);
  EXPECT_EQ(top(2), 2000);
  EXPECT_EQ(top(3), 4000);
  EXPECT_EQ(top(7), 60'000) << "64 s, capped";
  EXPECT_EQ(top(1000), 60'000) << "no overflow however many failures";
  EXPECT_EQ(retry_delay(3, milliseconds{1000}, 0.0).count(), 2000) << "jitter: at least half";
  EXPECT_EQ(retry_delay(3, milliseconds{1000}, 0.5).count(), 3000);
  EXPECT_EQ(retry_delay(1, milliseconds{120'000}, 1.0).count(), 120'000)
    << "a first delay above the cap is kept";
  EXPECT_EQ(retry_delay(2, milliseconds{20}, 1.0).count(), 40);
}

TEST(consumer_dead_letter, holds_the_entry_the_worker_the_attempts_and_the_error) {
  EXPECT_EQ(dead_letter_key("archive"), "switchboard:consumer:archive:dead-letter");
  stream_entry e{"9-0", {"event", "message", "data", R"({"text":"x"})"}};
  auto f = dead_letter_fields("room:1:chat", e, "host-12-ab", 5, "HTTP 500");
  ASSERT_EQ(f.size(), 12u);
  std::map<std::string, std::string> m;
  for (size_t i = 0; i + 1 < f.size(); i += 2)
    m[f[i]] = f[i + 1];
  EXPECT_EQ(m["key"], "room:1:chat");
  EXPECT_EQ(m["id"], "9-0");
  EXPECT_EQ(json::parse(m["entry"]), json::parse(R"({"event":"message","data":"{\"text\":\"x\"}"})"));
  EXPECT_EQ(m["consumer"], "host-12-ab");
  EXPECT_EQ(m["attempts"], "5");
  EXPECT_EQ(m["error"], "HTTP 500");
}

TEST(consumer_answers, only_2xx_is_delivered) {
  EXPECT_TRUE(delivered(200));
  EXPECT_TRUE(delivered(204));
  EXPECT_FALSE(delivered(0));
  EXPECT_FALSE(delivered(301));
  EXPECT_FALSE(delivered(500));
  EXPECT_EQ(failure_text(503, ""), "HTTP 503");
  EXPECT_EQ(failure_text(0, "connect: Connection refused"), "connect: Connection refused");
  EXPECT_EQ(failure_text(0, ""), "no answer");
}
