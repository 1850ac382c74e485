#include <gtest/gtest.h>

#include "plugins/spec.hpp"

#include <nlohmann/json.hpp>

using namespace sb;

namespace {

spec_rules rules(size_t max_specs = 32) {
  spec_rules r;
  r.max_specs = max_specs;
  r.known_plugin = [](std::string_view name) { return name == "chat" || name == "presence"; };
  return r;
}

parsed_clients ok(const std::string& text, size_t max_specs = 32) {
  auto result = parse_clients(text, rules(max_specs));
  EXPECT_TRUE(std::holds_alternative<parsed_clients>(result)) << text;
  return std::get<parsed_clients>(result);
}

std::string rejected(const std::optional<std::string>& text) {
  auto result = parse_clients(text, rules());
  EXPECT_TRUE(std::holds_alternative<clients_rejected>(result));
  return std::get<clients_rejected>(result).reason;
}

} // namespace

TEST(stream_name, accepts_the_allowed_alphabet) {
  EXPECT_TRUE(valid_stream_name("stream:123"));
  EXPECT_TRUE(valid_stream_name("stream:123:thread:345"));
  EXPECT_TRUE(valid_stream_name("a.B_c-9"));
  EXPECT_TRUE(valid_stream_name(std::string(200, 'x')));
}

TEST(stream_name, rejects_empty_long_and_other_characters) {
  EXPECT_FALSE(valid_stream_name(""));
  EXPECT_FALSE(valid_stream_name(std::string(201, 'x')));
  EXPECT_FALSE(valid_stream_name("bad stream!"));
  EXPECT_FALSE(valid_stream_name("a/b"));
  EXPECT_FALSE(valid_stream_name("caf\xc3\xa9"));
}

TEST(clients_parser, missing_or_empty_is_no_clients) {
  EXPECT_EQ(rejected(std::nullopt), "No clients specified");
  EXPECT_EQ(rejected(""), "No clients specified");
  EXPECT_EQ(rejected("[]"), "No clients specified");
}

TEST(clients_parser, malformed_is_invalid_clients) {
  EXPECT_EQ(rejected("[{").rfind("Invalid clients:", 0), 0u);
  EXPECT_EQ(rejected("{}").rfind("Invalid clients:", 0), 0u);
  EXPECT_EQ(rejected("[1,2]").rfind("Invalid clients:", 0), 0u);
  EXPECT_EQ(rejected(R"([{"name":"chat","stream":"s:1"}, "x"])").rfind("Invalid clients:", 0),
            0u);
}

TEST(clients_parser, parses_a_full_spec) {
  auto r = ok(R"([{"name":"chat","stream":"stream:1","strategy":"streams","since":"17-3"}])");
  ASSERT_EQ(r.specs.size(), 1u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.specs[0].name, "chat");
  EXPECT_EQ(r.specs[0].stream, "stream:1");
  EXPECT_EQ(r.specs[0].strategy, strategy::streams);
  ASSERT_TRUE(r.specs[0].since);
  EXPECT_EQ(r.specs[0].since->str(), "17-3");
}

TEST(clients_parser, strategy_defaults_to_pub_sub) {
  auto r = ok(R"([{"name":"chat","stream":"s:1"}])");
  ASSERT_EQ(r.specs.size(), 1u);
  EXPECT_EQ(r.specs[0].strategy, strategy::pub_sub);
  EXPECT_FALSE(r.specs[0].since);
}

TEST(clients_parser, each_bad_spec_gets_its_own_error_and_the_rest_start) {
  auto r = ok(R"([{"name":"nope","stream":"s:1"},
                  {"name":"chat","stream":"bad stream!"},
                  {"name":"chat"},
                  {"name":"chat","stream":"s:2","strategy":"carrier-pigeon"},
                  {"name":"chat","stream":"s:3","since":"1-0"},
                  {"name":"chat","stream":"s:4","strategy":"streams","since":"yesterday"},
                  {"name":"chat","stream":"s:5"},
                  {"name":"chat","stream":"s:5"}])");
  ASSERT_EQ(r.specs.size(), 1u);
  EXPECT_EQ(r.specs[0].stream, "s:5");
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0].code, ec::unknown_plugin);
  EXPECT_EQ(r.errors[0].name, "nope");
  EXPECT_EQ(r.errors[1].code, ec::invalid_stream);
  EXPECT_EQ(r.errors[1].stream, "bad stream!");
  EXPECT_EQ(r.errors[2].code, ec::invalid_stream);
  EXPECT_FALSE(r.errors[2].stream);
  EXPECT_EQ(r.errors[3].code, ec::invalid_strategy);
  EXPECT_EQ(r.errors[4].code, ec::invalid_frame);
  EXPECT_EQ(r.errors[5].code, ec::invalid_frame);
  EXPECT_EQ(r.errors[6].code, ec::invalid_frame);
}

TEST(clients_parser, specs_beyond_the_limit_are_too_large) {
  auto r = ok(R"([{"name":"chat","stream":"a"},{"name":"chat","stream":"b"},
                  {"name":"chat","stream":"c"}])",
              2);
  EXPECT_EQ(r.specs.size(), 2u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].code, ec::too_large);
  EXPECT_EQ(r.errors[0].stream, "c");
}

TEST(clients_parser, forbidden_streams_are_reported) {
  auto r = rules();
  r.permitted = [](std::string_view s) { return s == "ok:1"; };
  auto result = std::get<parsed_clients>(
    parse_clients(R"([{"name":"chat","stream":"ok:1"},{"name":"chat","stream":"no:1"}])", r));
  EXPECT_EQ(result.specs.size(), 1u);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].code, ec::forbidden);
}

TEST(clients_parser, nested_too_deep_is_invalid_clients) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(rejected(R"([{"name":"chat","stream":"s:1","x":)" + deep + "}]"),
            "Invalid clients: nested deeper than 64 levels");
  std::string fine = std::string(10, '[') + std::string(10, ']');
  EXPECT_EQ(ok(R"([{"name":"chat","stream":"s:1","x":)" + fine + "}]").specs.size(), 1u);
}

TEST(clients_parser, invalid_specs_take_no_place_under_the_limit) {
  auto r = ok(R"([{"name":"nope","stream":"a"},{"name":"chat","stream":"b"},
                  {"name":"chat","stream":"c"},{"name":"chat","stream":"d"}])",
              2);
  ASSERT_EQ(r.specs.size(), 2u);
  EXPECT_EQ(r.specs[1].stream, "c");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].code, ec::unknown_plugin);
  EXPECT_EQ(r.errors[1].code, ec::too_large);
  EXPECT_EQ(r.errors[1].stream, "d");
}

TEST(clients_parser, version_two_may_have_no_clients) {
  auto r = rules();
  r.allow_empty = true;
  for (std::optional<std::string> value : {std::optional<std::string>{}, std::optional<std::string>{""},
                                           std::optional<std::string>{"[]"}}) {
    auto result = parse_clients(value, r);
    ASSERT_TRUE(std::holds_alternative<parsed_clients>(result));
    EXPECT_TRUE(std::get<parsed_clients>(result).specs.empty());
  }
  EXPECT_TRUE(std::holds_alternative<clients_rejected>(parse_clients("{}", r)));
}

TEST(check_specs, a_subscribe_counts_the_live_specs_and_refuses_duplicates) {
  auto r = rules(4);
  r.live = 2;
  r.taken = [](const std::string& name, const std::string& stream) {
    return name == "chat" && stream == "live:1";
  };
  auto checks = check_specs(nlohmann::json::parse(R"([
    {"name":"chat","stream":"live:1"},
    {"name":"chat","stream":"new:1"},
    {"name":"presence","stream":"new:1"},
    {"name":"chat","stream":"new:2"}])"), r);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(std::get<spec_error>(checks[0]).code, ec::invalid_frame);
  EXPECT_EQ(std::get<plugin_spec>(checks[1]).stream, "new:1");
  EXPECT_EQ(std::get<plugin_spec>(checks[2]).name, "presence");
  EXPECT_EQ(std::get<spec_error>(checks[3]).code, ec::too_large);
}
