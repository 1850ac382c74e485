// What a proxy plugin POSTs to its backend and how it reads the answer
// (plugins/backend_hook): every field of the hook, every part of an
// answer, and a clear reason for each malformed one.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plugins/backend_hook.hpp"

using namespace sb;
using nlohmann::json;

namespace {

plugin_context context_with(strategy s, std::optional<std::string> since = std::nullopt) {
  plugin_context ctx;
  ctx.who = make_identity("n1-2a", {"u42", "Ada"});
  ctx.spec.name = "votes";
  ctx.spec.stream = "poll:7";
  ctx.spec.strategy = s;
  if (since)
    ctx.spec.since = *stream_id::parse(*since);
  return ctx;
}

std::string why(std::string_view body) {
  auto r = parse_hook_answer(body);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

} // namespace

TEST(backend_hook, the_body_holds_everything_the_backend_needs) {
  auto body = json::parse(hook_body("message", context_with(strategy::pub_sub), "vote", R"("3")",
                                    R"({"choice":"b"})"));
  EXPECT_EQ(body, (json{{"hook", "message"},
                        {"plugin", "votes"},
                        {"socket", "n1-2a"},
                        {"user", {{"id", "u42"}, {"name", "Ada"}}},
                        {"stream", "poll:7"},
                        {"strategy", "pub-sub"},
                        {"event", "vote"},
                        {"ref", "3"},
                        {"data", {{"choice", "b"}}}}));
  auto open = json::parse(hook_body("open", context_with(strategy::streams, "5-1")));
  EXPECT_EQ(open["hook"], "open");
  EXPECT_EQ(open["strategy"], "streams");
  EXPECT_EQ(open["since"], "5-1");
  EXPECT_TRUE(open["event"].is_null());
  EXPECT_TRUE(open["ref"].is_null());
  EXPECT_TRUE(open["data"].is_null());
}

TEST(backend_hook, an_answer_says_what_to_do) {
  auto a = std::get<hook_answer>(parse_hook_answer(
    R"({"reply":[{"event":"state","data":{"n":1}}],"broadcast":[{"event":"tally"}]})"));
  EXPECT_TRUE(a.accept);
  EXPECT_FALSE(a.error);
  ASSERT_EQ(a.reply.size(), 1u);
  EXPECT_EQ(a.reply[0].event, "state");
  EXPECT_EQ(a.reply[0].data, R"({"n":1})");
  ASSERT_EQ(a.broadcast.size(), 1u);
  EXPECT_EQ(a.broadcast[0].data, "{}");
  auto refused = std::get<hook_answer>(parse_hook_answer(R"({"accept":false,"message":"no"})"));
  EXPECT_FALSE(refused.accept);
  EXPECT_EQ(refused.message, "no");
  auto failed = std::get<hook_answer>(
    parse_hook_answer(R"({"error":{"code":"rate_limited","message":"slow down"}})"));
  EXPECT_EQ(failed.error, ec::rate_limited);
  EXPECT_EQ(failed.message, "slow down");
  auto empty = std::get<hook_answer>(parse_hook_answer(" \n"));
  EXPECT_TRUE(empty.accept);
  EXPECT_TRUE(empty.reply.empty());
}

TEST(backend_hook, malformed_answers_say_what_is_wrong) {
  EXPECT_EQ(why("<html>"), "not JSON");
  EXPECT_EQ(why("[1]"), "not a JSON object");
  EXPECT_EQ(why(R"({"accept":"yes"})"), "accept must be true or false");
  EXPECT_NE(why(R"({"error":{"code":"teapot"}})").find("error must be {\"code\""),
            std::string::npos);
  EXPECT_NE(why(R"({"error":"bad"})").find("error must be"), std::string::npos);
  EXPECT_EQ(why(R"({"reply":{"event":"x"}})"), "reply must be a list of {\"event\", \"data\"}");
  EXPECT_NE(why(R"({"broadcast":[{"data":1}]})").find("broadcast: every item needs an \"event\""),
            std::string::npos);
  EXPECT_NE(why(R"({"broadcast":[{"event":"a b"}]})").find("needs an \"event\" name"),
            std::string::npos);
}
