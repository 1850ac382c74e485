// Bad client input (PROTOCOL §3, §7): error replies that leave the socket and
// its neighbours working, rate limiting, oversized frames and slow consumers.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

class bad_input_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({}); }
  static void TearDownTestSuite() { stop_server(); }

  void SetUp() override {
    server_suite::SetUp();
    if (HasFatalFailure()) return;
    stream_ = test_stream();
    peer_ = std::make_unique<chat_peer>(port(), stream_, "streams");
  }

  // Sends `text` and expects one error reply with `code` (and `ref`, if any).
  void expect_error_for(const std::string& text, const std::string& code,
                        const std::string& ref = {}) {
    peer_->ws.send_text(text);
    auto reply = peer_->ws.read_json();
    EXPECT_EQ(reply.value("type", ""), "error") << text << " -> " << reply;
    EXPECT_EQ(reply.value("code", ""), code) << text << " -> " << reply;
    EXPECT_TRUE(reply.contains("message") && reply["message"].is_string()) << reply;
    if (ref.empty()) {
      EXPECT_FALSE(reply.contains("ref")) << text << " -> " << reply;
    } else {
      EXPECT_EQ(reply.value("ref", json()), ref) << text << " -> " << reply;
    }
  }

  // The socket still works: a good send is acked.
  void expect_still_working() {
    peer_->say("still here");
  }

  std::string stream_;
  std::unique_ptr<chat_peer> peer_;
};

TEST_F(bad_input_test, InvalidJsonGetsInvalidJson) {
  expect_error_for("{nope", "invalid_json");
  expect_error_for("", "invalid_json");
  expect_still_working();
}

TEST_F(bad_input_test, JsonThatIsNotAnObjectGetsInvalidFrame) {
  for (const auto* text : {"[1,2]", "\"send\"", "42", "null", "true"})
    expect_error_for(text, "invalid_frame");
  expect_still_working();
}

TEST_F(bad_input_test, MissingOrIllTypedFieldsGetInvalidFrameWithRef) {
  auto good = send_command(stream_, "hi", "r1");
  std::vector<json> bad;
  for (const auto* key : {"client", "stream", "event"}) {
    auto missing = good;
    missing.erase(key);
    bad.push_back(missing);
    auto ill_typed = good;
    ill_typed[key] = 5;
    bad.push_back(ill_typed);
  }
  for (const auto& cmd : bad)
    expect_error_for(cmd.dump(), "invalid_frame", "r1");
  expect_still_working();
}

TEST_F(bad_input_test, BadSendDataGetsInvalidFrameWithRef) {
  auto good = send_command(stream_, "hi", "r1");
  auto no_data = good;
  no_data.erase("data");
  auto data_not_object = good;
  data_not_object["data"] = "hi";
  auto no_text = good;
  no_text["data"].erase("text");
  auto text_not_string = good;
  text_not_string["data"]["text"] = 5;
  auto empty_text = send_command(stream_, "", "r1");
  for (const auto& cmd : {no_data, data_not_object, no_text, text_not_string, empty_text})
    expect_error_for(cmd.dump(), "invalid_frame", "r1");
  expect_still_working();
}

TEST_F(bad_input_test, BinaryFrameGetsInvalidFrame) {
  peer_->ws.send_binary(send_command(stream_, "hi", "r1").dump());
  auto reply = peer_->ws.read_json();
  EXPECT_EQ(reply.value("type", ""), "error") << reply;
  EXPECT_EQ(reply.value("code", ""), "invalid_frame") << reply;
  expect_still_working();
}

TEST_F(bad_input_test, ClientNotOnThisSocketGetsUnknownClient) {
  auto other_stream = send_command(test_stream(), "hi", "r1");
  auto other_plugin = send_command(stream_, "hi", "r1");
  other_plugin["client"] = "presence";
  auto no_such_plugin = send_command(stream_, "hi", "r1");
  no_such_plugin["client"] = "nope";
  for (const auto& cmd : {other_stream, other_plugin, no_such_plugin})
    expect_error_for(cmd.dump(), "unknown_client", "r1");
  expect_still_working();
}

TEST_F(bad_input_test, TextOverTheByteLimitGetsTooLarge) {
  expect_error_for(send_command(stream_, std::string(4097, 'a'), "r1").dump(), "too_large", "r1");
  // 1366 three-byte characters: under 4096 characters, over 4096 bytes.
  std::string euros;
  for (int i = 0; i < 1366; ++i)
    euros += "\xe2\x82\xac";
  expect_error_for(send_command(stream_, euros, "r2").dump(), "too_large", "r2");
  peer_->say(std::string(4096, 'a'));
}

TEST_F(bad_input_test, UnknownChatEventGetsInvalidFrameWithRef) {
  auto cmd = send_command(stream_, "hi", "r1");
  cmd["event"] = "dance";
  expect_error_for(cmd.dump(), "invalid_frame", "r1");
  expect_still_working();
}

TEST_F(bad_input_test, BadFramesDoNotReachOtherSockets) {
  chat_peer other(port(), stream_, "streams");
  peer_->ws.read_json();  // other's joined
  auto unknown_event = send_command(stream_, "hi", "r1");
  unknown_event["event"] = "dance";
  for (const auto& text : {std::string("{nope"), std::string("[1]"),
                           send_command(stream_, "", "r1").dump(), unknown_event.dump()}) {
    peer_->ws.send_text(text);
    EXPECT_EQ(peer_->ws.read_json().value("type", ""), "error") << text;
  }
  auto id = peer_->say("good");
  auto next = other.ws.read_json();
  EXPECT_TRUE(is_event(next, "message", stream_)) << next;
  EXPECT_EQ(next.value("id", ""), id) << next;
}

TEST_F(bad_input_test, FrameAtTheSizeLimitIsRead) {
  auto cmd = send_command(stream_, "", "r1");
  auto overhead = cmd.dump().size();
  cmd["data"]["text"] = std::string(65536 - overhead, 'a');
  ASSERT_EQ(cmd.dump().size(), 65536u);
  expect_error_for(cmd.dump(), "too_large", "r1");
  expect_still_working();
}

TEST_F(bad_input_test, FrameOverTheSizeLimitClosesWith1009) {
  chat_peer other(port(), stream_, "streams");
  peer_->ws.send_json(send_command(stream_, std::string(70'000, 'a'), "r1"));
  auto closed = peer_->ws.expect_close();
  EXPECT_EQ(closed.code, 1009);
  other.say("unaffected");
}

// --- JSON nesting ---

/// `{"a":{"a":...1...}}`, `levels` objects deep.
std::string nested_objects(size_t levels) {
  std::string out;
  out.reserve(levels * 6 + 1);
  for (size_t i = 0; i < levels; ++i)
    out += R"({"a":)";
  out += '1';
  out.append(levels, '}');
  return out;
}

/// A chat send whose data also holds `deep`; the envelope is level 1 and
/// data level 2, so `deep` starts at level 3.
std::string send_with(const std::string& stream, const std::string& deep, const std::string& ref) {
  return R"({"client":"chat","stream":")" + stream + R"(","event":"send","ref":")" + ref
         + R"(","data":{"text":"deep","deep":)" + deep + "}}";
}

TEST_F(bad_input_test, JsonAtTheDepthLimitIsAcceptedOneMoreLevelIsRefused) {
  peer_->ws.send_text(send_with(stream_, nested_objects(62), "r64"));
  auto frames = peer_->ws.read_until([](const json& f) { return f.contains("ref"); });
  EXPECT_TRUE(is_ack(frames.back(), "r64")) << frames.back();
  peer_->ws.send_text(send_with(stream_, nested_objects(63), "r65"));
  frames = peer_->ws.read_until([](const json& f) { return f.value("type", "") == "error"; });
  EXPECT_EQ(frames.back().value("code", ""), "invalid_frame") << frames.back();
  expect_still_working();
}

TEST(deep_json_test, DeeplyNestedCommandAtTheLargestFrameSizeGetsInvalidFrame) {
  // limits.frame-size at the largest value the configuration accepts
  // (2^40): depth is bounded whatever a frame may hold. 150,000 levels took
  // the whole server down (a stack overflow in nlohmann::json).
  server_process server({"--limits.frame-size=1099511627776"});
  auto stream = test_stream();
  chat_peer peer(server.port(), stream, "pub-sub");
  chat_peer other(server.port(), stream, "pub-sub");
  peer.ws.read_json(); // other's joined
  for (const auto& deep : {nested_objects(150'000), std::string(200'000, '[')
                                                      + std::string(200'000, ']')}) {
    peer.ws.send_text(send_with(stream, deep, "deep"));
    auto reply = peer.ws.read_json();
    EXPECT_EQ(reply.value("type", ""), "error") << reply.dump().substr(0, 200);
    EXPECT_EQ(reply.value("code", ""), "invalid_frame") << reply.dump().substr(0, 200);
  }
  peer.say("still here");
  other.say("and here");
  EXPECT_FALSE(server.wait_exit(std::chrono::milliseconds(0))) << server.logs_tail();
}

// --- rate limiting ---

TEST(rate_limit_test, CommandsOverTheBurstGetRateLimitedAndAreDropped) {
  server_process server({"--limits.commands-burst=5", "--limits.commands-per-second=1"});
  auto stream = test_stream();
  chat_peer sender(server.port(), stream, "pub-sub");
  chat_peer observer(server.port(), stream, "pub-sub");
  sender.ws.read_json();  // observer's joined
  const int n = 8;
  for (int i = 0; i < n; ++i)
    sender.ws.send_json(send_command(stream, "m" + std::to_string(i), "r" + std::to_string(i)));
  std::vector<std::string> replies(n);
  int answered = 0;
  sender.ws.read_until([&](const json& f) {
    auto type = f.value("type", "");
    if (type != "ack" && type != "error") return false;
    auto ref = f.value("ref", "");
    auto i = std::stoi(ref.substr(1));
    EXPECT_TRUE(replies.at(i).empty()) << "two replies to " << ref;
    replies[i] = type == "ack" ? "ack" : f.value("code", "?");
    return ++answered == n;
  });
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(replies[i], "ack") << "r" << i << " is within the burst";
  int acked = 0;
  int limited = 0;
  for (const auto& r : replies) {
    acked += r == "ack";
    limited += r == "rate_limited";
  }
  EXPECT_EQ(acked + limited, n) << json(replies);
  EXPECT_GE(limited, 1) << json(replies);
  EXPECT_LE(acked, 6) << "at most one token refills while 8 commands arrive";
  // The observer's own message is a barrier: only acked commands went out.
  observer.ws.send_json(send_command(stream, "barrier", "b"));
  auto frames = observer.ws.read_until([&](const json& f) {
    return is_event(f, "message") && f["data"]["text"] == "barrier";
  });
  int delivered = 0;
  for (const auto& f : events(frames, "message"))
    delivered += f["data"]["user"] == sender.user;
  EXPECT_EQ(delivered, acked);
}

} // namespace
} // namespace sb::test
