#include <gtest/gtest.h>

#include "core/envelope.hpp"

using namespace sb;
using nlohmann::json;

TEST(envelope, parses_a_command) {
  auto r = parse_command(
    R"({"client":"chat","stream":"s:1","event":"send","ref":"7","data":{"text":"hi"}})");
  auto& cmd = std::get<command>(r);
  EXPECT_EQ(cmd.client, "chat");
  EXPECT_EQ(cmd.stream, "s:1");
  EXPECT_EQ(cmd.event, "send");
  EXPECT_EQ(cmd.ref, "7");
  EXPECT_EQ(cmd.data["text"], "hi");
}

TEST(envelope, data_and_ref_are_optional) {
  auto cmd = std::get<command>(parse_command(R"({"client":"c","stream":"s","event":"e"})"));
  EXPECT_TRUE(cmd.ref.is_null());
  EXPECT_TRUE(cmd.data.is_object());
  EXPECT_TRUE(cmd.data.empty());
}

TEST(envelope, reports_invalid_json_and_invalid_frames) {
  EXPECT_EQ(std::get<command_error>(parse_command("{nope")).code, ec::invalid_json);
  EXPECT_EQ(std::get<command_error>(parse_command("[1]")).code, ec::invalid_frame);
  auto missing = std::get<command_error>(parse_command(R"({"client":"c","ref":5})"));
  EXPECT_EQ(missing.code, ec::invalid_frame);
  EXPECT_EQ(missing.ref, 5);
  auto bad_data = parse_command(R"({"client":"c","stream":"s","event":"e","data":[1]})");
  EXPECT_EQ(std::get<command_error>(bad_data).code, ec::invalid_frame);
  auto bad_ref = parse_command(R"({"client":"c","stream":"s","event":"e","ref":{}})");
  EXPECT_EQ(std::get<command_error>(bad_ref).code, ec::invalid_frame);
  // nlohmann's parser stops at a NUL byte: what follows one must not be ignored.
  std::string nul_tail(R"({"client":"c","stream":"s","event":"e"})" "\0junk", 44);
  EXPECT_EQ(std::get<command_error>(parse_command(nul_tail)).code, ec::invalid_json);
}

TEST(envelope, builds_error_and_ack_frames) {
  auto err = json::parse(error_frame(ec::rate_limited, "slow down", "7"));
  EXPECT_EQ(err, json::parse(R"({"type":"error","ref":"7","code":"rate_limited",
                                  "message":"slow down"})"));
  auto spec_err = json::parse(
    error_frame(ec::invalid_stream, "bad", nullptr, std::string{"chat"}, std::string{"x y"}));
  EXPECT_EQ(spec_err["client"], "chat");
  EXPECT_EQ(spec_err["stream"], "x y");
  EXPECT_FALSE(spec_err.contains("ref"));
  EXPECT_EQ(json::parse(ack_frame("7", "1-0")),
            json::parse(R"({"type":"ack","ref":"7","id":"1-0"})"));
  EXPECT_FALSE(json::parse(ack_frame(3)).contains("id"));
}

TEST(envelope, builds_event_frames_around_serialized_data) {
  auto frame = event_frame("chat", "stream:1", "message", "5-1", R"({"text":"hi"})");
  EXPECT_EQ(json::parse(frame), json::parse(R"({"client":"chat","stream":"stream:1",
    "event":"message","id":"5-1","data":{"text":"hi"}})"));
  auto no_id = json::parse(event_frame("chat", "s", "we\"ird", "", "null"));
  EXPECT_FALSE(no_id.contains("id"));
  EXPECT_EQ(no_id["event"], "we\"ird");
}

namespace {

std::string arrays(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

} // namespace

TEST(client_json, refuses_nesting_past_the_limit_before_building_it) {
  EXPECT_EQ(parse_client_json(arrays(max_json_depth)).status, client_json::ok);
  auto deep = parse_client_json(arrays(max_json_depth + 1));
  EXPECT_EQ(deep.status, client_json::too_deep);
  EXPECT_TRUE(deep.value.is_discarded());
  // A million levels: refused at level 65, with no recursion to overflow.
  EXPECT_EQ(parse_client_json(arrays(1'000'000)).status, client_json::too_deep);
  std::string objects;
  for (int i = 0; i < 200'000; ++i)
    objects += R"({"a":)";
  EXPECT_EQ(parse_client_json(objects).status, client_json::too_deep);
  // Depth is nesting, not size: a long flat document is fine.
  std::string flat = "[1";
  for (int i = 0; i < 100'000; ++i)
    flat += ",1";
  EXPECT_EQ(parse_client_json(flat + "]").status, client_json::ok);
  EXPECT_EQ(parse_client_json("{nope").status, client_json::invalid);
  EXPECT_EQ(parse_client_json("[1] trailing").status, client_json::invalid);
}

TEST(envelope, refuses_a_command_nested_too_deep_with_invalid_frame) {
  auto nested = [](size_t depth) {
    // The envelope is level 1 and data level 2.
    return R"({"client":"c","stream":"s","event":"e","data":{"x":)" + arrays(depth - 2) + "}}";
  };
  EXPECT_TRUE(std::holds_alternative<command>(parse_command(nested(max_json_depth))));
  auto err = std::get<command_error>(parse_command(nested(max_json_depth + 1)));
  EXPECT_EQ(err.code, ec::invalid_frame);
  EXPECT_EQ(err.message, "frame is nested deeper than 64 levels");
  EXPECT_EQ(std::get<command_error>(parse_command(nested(150'000))).code, ec::invalid_frame);
}

TEST(envelope, parses_control_commands) {
  auto sub = std::get<control_command>(parse_command(
    R"({"type":"subscribe","ref":3,"clients":[{"name":"chat","stream":"s:1"}]})"));
  EXPECT_EQ(sub.type, control_command::subscribe);
  EXPECT_EQ(sub.ref, 3);
  EXPECT_EQ(sub.clients.size(), 1u);
  auto unsub = std::get<control_command>(parse_command(
    R"({"type":"unsubscribe","clients":[{"name":"chat","stream":"s:1"}]})"));
  EXPECT_EQ(unsub.type, control_command::unsubscribe);
  EXPECT_TRUE(unsub.ref.is_null());
  for (auto* bad : {R"({"type":"join","ref":"r","clients":[{}]})",
                    R"({"type":"subscribe","ref":"r","clients":[]})",
                    R"({"type":"subscribe","ref":"r","clients":{"name":"chat"}})",
                    R"({"type":"subscribe","ref":"r","clients":[1]})",
                    R"({"type":"subscribe","ref":"r"})"}) {
    auto err = std::get<command_error>(parse_command(bad));
    EXPECT_EQ(err.code, ec::invalid_frame) << bad;
    EXPECT_EQ(err.ref, "r") << bad;
  }
}

TEST(envelope, builds_the_control_reply) {
  auto reply = json::parse(control_reply_frame("8", json::array({{{"name", "chat"}, {"ok", true}}})));
  EXPECT_EQ(reply, json::parse(R"({"type":"ack","ref":"8","clients":[{"name":"chat","ok":true}]})"));
}
