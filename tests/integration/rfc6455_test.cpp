// RFC 6455 conformance of the real server, section by section as
// Autobahn|Testsuite checks a server: 1 framing, 2 pings and pongs, 3
// reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 closing, plus
// unmasked client frames. Raw bytes on a TCP socket (tests/support/raw_ws).
// Where Autobahn expects its echo server to echo a message, these expect
// the server's reply to the command in it (an ack, or an error frame): the
// proof that the message was read whole and handled. A connection that
// fails must get its Close and then see the TCP connection end, well
// before the server's close timer. tests/unit/ws_reader_test.cpp drives
// the reader itself through the same cases.

#include "tests/support/client_frames.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/raw_ws.hpp"
#include "tests/support/server_suite.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// Well under the close timer (limits.shutdown-drain, 10 s): a server that
/// waits for it has not closed the connection as it should.
constexpr auto prompt = 3s;

class rfc6455_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({"--limits.commands-per-second=0"}); }
  static void TearDownTestSuite() { stop_server(); }

  void SetUp() override {
    server_suite::SetUp();
    stream_ = test_stream();
  }

  std::unique_ptr<raw_ws> open() { return raw_ws::open_chat(port(), stream_); }

  /// A chat `send` of exactly `size` bytes (padded with JSON whitespace).
  std::string sized_send(size_t size, const std::string& ref) {
    auto text = send_command(stream_, "hi " + ref, ref).dump();
    EXPECT_LE(text.size(), size);
    text.append(size - std::min(size, text.size()), ' ');
    return text;
  }
  std::string send_text(const std::string& ref) { return send_command(stream_, ref, ref).dump(); }

  /// The next control frame (pong or Close), skipping events and replies.
  static server_frame next_control(raw_ws& ws) {
    for (;;) {
      auto f = ws.read_frame();
      if (f.opcode != op::text)
        return f;
    }
  }

  /// Reads until the reply carrying `ref` (skipping events) and returns it.
  static json reply_to(raw_ws& ws, const std::string& ref) {
    for (;;) {
      auto f = ws.read_json();
      if (f.value("ref", json()) == ref)
        return f;
    }
  }
  static void expect_ack(raw_ws& ws, const std::string& ref) {
    auto f = reply_to(ws, ref);
    EXPECT_EQ(f.value("type", ""), "ack") << f;
  }

  /// The server fails (or closes) the connection with `code`: nothing but
  /// data frames before its Close (no pong: nothing after the bad frame is
  /// read), then the end of the TCP connection.
  static void expect_closed_with(raw_ws& ws, uint16_t code) {
    server_frame f;
    while ((f = ws.read_frame()).opcode != op::close)
      EXPECT_NE(f.opcode, op::pong) << "a frame after the failing one was read";
    ASSERT_GE(f.payload.size(), 2u) << "a Close without a code";
    EXPECT_EQ((static_cast<uint8_t>(f.payload[0]) << 8) | static_cast<uint8_t>(f.payload[1]),
              code);
    EXPECT_TRUE(ws.closed_within(prompt)) << "the TCP connection stayed open";
  }

  /// The server echoes a Close 1000 and closes; before it, no pong and no
  /// reply to a command (events of the stream may come).
  static void expect_only_the_echo(raw_ws& ws) {
    server_frame f;
    while ((f = ws.read_frame()).opcode != op::close) {
      EXPECT_EQ(f.opcode, op::text);
      EXPECT_FALSE(json::parse(f.payload).contains("ref")) << f.payload;
    }
    EXPECT_EQ(f.payload, close_body(1000));
    EXPECT_TRUE(ws.closed_within(prompt));
  }

  /// Sends a good command, then `bad`, then a ping, in one write: the
  /// command is handled, the connection fails with `code`, the ping is
  /// not answered.
  void expect_fails_after_a_good_command(const std::string& bad, uint16_t code) {
    auto ws = open();
    ws->send(text_frame(send_text("good")) + bad + ping_frame("after"));
    expect_ack(*ws, "good");
    expect_closed_with(*ws, code);
  }

  std::string stream_;
};

// --- 1: framing ---------------------------------------------------------------------------

TEST_F(rfc6455_test, S1_TextAtEveryLengthBoundaryIsReadWhole) {
  auto ws = open();
  ws->send(text_frame(""));
  EXPECT_EQ(ws->read_json().value("code", ""), "invalid_json");
  // Short ones are not commands: invalid_frame, with the ref.
  for (size_t n : {125, 126, 127, 128}) {
    auto ref = "r" + std::to_string(n);
    auto text = json{{"ref", ref}}.dump();
    ws->send(text_frame(text + std::string(n - text.size(), ' ')));
    EXPECT_EQ(reply_to(*ws, ref).value("code", ""), "invalid_frame");
  }
  for (size_t n : {65535, 65536}) {
    auto ref = "r" + std::to_string(n);
    ws->send(text_frame(sized_send(n, ref)));
    expect_ack(*ws, ref);
  }
}

TEST_F(rfc6455_test, S1_BinaryAtEveryLengthBoundaryIsReadWhole) {
  auto ws = open();
  for (size_t n : {0, 125, 126, 127, 128, 65535, 65536}) {
    ws->send(binary_frame(std::string(n, 'b')));
    auto reply = ws->read_json();
    EXPECT_EQ(reply.value("code", ""), "invalid_frame") << n << ": " << reply;
  }
  ws->send(text_frame(send_text("after")));
  expect_ack(*ws, "after");
}

TEST_F(rfc6455_test, S1_MessageOverTheLimitFailsWith1009) {
  auto ws = open();
  ws->send(text_frame(sized_send(65537, "big")));
  expect_closed_with(*ws, 1009);
}

// --- 2: pings and pongs -------------------------------------------------------------------------

TEST_F(rfc6455_test, S2_PingsAreAnsweredWithTheirPayload) {
  auto ws = open();
  std::string binary("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8);
  for (const auto& payload : {std::string(), std::string("Hello, world!"), binary,
                              std::string(125, 'p')}) {
    ws->send(ping_frame(payload));
    auto f = next_control(*ws);
    EXPECT_EQ(f.opcode, op::pong);
    EXPECT_EQ(f.payload, payload);
  }
  ws->send_in_chops(ping_frame("chopped"));
  EXPECT_EQ(next_control(*ws).payload, "chopped");
}

TEST_F(rfc6455_test, S2_PingOver125BytesFailsWith1002) {
  auto ws = open();
  ws->send(ping_frame(std::string(126, 'p')));
  expect_closed_with(*ws, 1002);
}

TEST_F(rfc6455_test, S2_UnsolicitedPongsAreNotAnswered) {
  auto ws = open();
  ws->send(pong_frame() + pong_frame("unsolicited") + ping_frame("mine"));
  auto f = next_control(*ws);
  EXPECT_EQ(f.opcode, op::pong);
  EXPECT_EQ(f.payload, "mine");
}

TEST_F(rfc6455_test, S2_TenPingsGetTenPongsInOrder) {
  auto ws = open();
  std::string pings, chopped;
  for (int i = 0; i < 10; ++i) {
    pings += ping_frame("p" + std::to_string(i));
    chopped += ping_frame("c" + std::to_string(i));
  }
  ws->send(pings);
  ws->send_in_chops(chopped);
  for (const char* prefix : {"p", "c"})
    for (int i = 0; i < 10; ++i)
      EXPECT_EQ(next_control(*ws).payload, prefix + std::to_string(i));
}

// --- 3: reserved bits ---------------------------------------------------------------------------

TEST_F(rfc6455_test, S3_ReservedBitsFailWith1002) {
  for (uint8_t rsv : {0x40, 0x20, 0x10, 0x70})
    for (uint8_t opcode : {op::text, op::binary, op::ping, op::close}) {
      SCOPED_TRACE("rsv " + std::to_string(rsv) + " opcode " + std::to_string(opcode));
      auto body = opcode == op::close ? close_body(1000) : send_text("x");
      expect_fails_after_a_good_command(client_frame(op::fin | rsv | opcode, body), 1002);
    }
}

// --- 4: opcodes ---------------------------------------------------------------------------------

TEST_F(rfc6455_test, S4_ReservedOpcodesFailWith1002) {
  for (uint8_t opcode : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    expect_fails_after_a_good_command(client_frame(op::fin | opcode, "payload"), 1002);
  }
}

// --- 5: fragmentation ---------------------------------------------------------------------------

TEST_F(rfc6455_test, S5_FragmentedControlFramesFailWith1002) {
  for (uint8_t opcode : {op::ping, op::pong, op::close}) {
    auto ws = open();
    ws->send(client_frame(opcode, "fr") + continuation_frame("ag", true));
    expect_closed_with(*ws, 1002);
  }
}

TEST_F(rfc6455_test, S5_FragmentsMakeOneMessageWithControlFramesBetween) {
  auto ws = open();
  auto cmd = send_text("two");
  ws->send(text_frame(cmd.substr(0, 10), false) + continuation_frame(cmd.substr(10), true));
  expect_ack(*ws, "two");
  cmd = send_text("chopped");
  ws->send_in_chops(text_frame(cmd.substr(0, 10), false)
                    + continuation_frame(cmd.substr(10), true));
  expect_ack(*ws, "chopped");
  cmd = send_text("ping-between");
  ws->send(text_frame(cmd.substr(0, 10), false) + ping_frame("between")
           + continuation_frame(cmd.substr(10), true));
  auto pong = next_control(*ws);
  EXPECT_EQ(pong.opcode, op::pong);
  EXPECT_EQ(pong.payload, "between");
  expect_ack(*ws, "ping-between");
}

TEST_F(rfc6455_test, S5_OneByteFragmentsMakeOneMessage) {
  auto ws = open();
  auto cmd = send_text("bytes");
  std::string bytes = text_frame(cmd.substr(0, 1), false);
  for (size_t i = 1; i < cmd.size(); ++i)
    bytes += continuation_frame(cmd.substr(i, 1), i + 1 == cmd.size());
  ws->send(bytes);
  expect_ack(*ws, "bytes");
}

TEST_F(rfc6455_test, S5_FragmentsInSeveralWritesWithPingsBetween) {
  // Autobahn 5.19: two fragments, a ping, a pause, two more, a ping, the last.
  auto ws = open();
  auto cmd = send_text("paused");
  auto part = [&](size_t i) { return cmd.substr(i * 10, i == 4 ? std::string::npos : 10); };
  ws->send(text_frame(part(0), false) + continuation_frame(part(1), false) + ping_frame("1"));
  EXPECT_EQ(next_control(*ws).payload, "1");
  ws->send(continuation_frame(part(2), false) + continuation_frame(part(3), false)
           + ping_frame("2"));
  EXPECT_EQ(next_control(*ws).payload, "2");
  ws->send(continuation_frame(part(4), true));
  expect_ack(*ws, "paused");
}

TEST_F(rfc6455_test, S5_ContinuationWithNoMessageFailsWith1002) {
  for (bool fin : {true, false}) {
    auto ws = open();
    ws->send(continuation_frame(send_text("x"), fin) + ping_frame());
    expect_closed_with(*ws, 1002);
  }
}

TEST_F(rfc6455_test, S5_WholeMessageBeforeAStrayContinuationIsHandled) {
  // Autobahn 5.15, in one write: the complete message is handled first.
  auto cmd = send_text("whole");
  expect_fails_after_a_good_command(text_frame(cmd.substr(0, 10), false)
                                      + continuation_frame(cmd.substr(10), true)
                                      + continuation_frame("stray", false) + text_frame("x"),
                                    1002);
}

TEST_F(rfc6455_test, S5_NewMessageInsideAFragmentedOneFailsWith1002) {
  for (const auto& second : {text_frame("b"), binary_frame("b", false)}) {
    auto ws = open();
    ws->send(text_frame("a", false) + second);
    expect_closed_with(*ws, 1002);
  }
}

// --- 6: UTF-8 ---------------------------------------------------------------------------------

const std::string kosme = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
const std::string bad_sequence = "\xf4\x90\x80\x80"; // U+110000

TEST_F(rfc6455_test, S6_ValidUtf8IsAcceptedSplitAnywhere) {
  auto ws = open();
  ws->send(text_frame(kosme)); // valid UTF-8, not JSON
  EXPECT_EQ(ws->read_json().value("code", ""), "invalid_json");
  auto cmd = send_command(stream_, kosme + " \xf0\x9f\x98\x80 \xe2\x82\xac", "utf8").dump();
  auto start = cmd.find(kosme);
  for (size_t cut = start; cut <= start + kosme.size() + 9; ++cut) {
    ws->send(text_frame(cmd.substr(0, cut), false) + continuation_frame(cmd.substr(cut), true));
    expect_ack(*ws, "utf8");
  }
}

TEST_F(rfc6455_test, S6_InvalidUtf8FailsWith1007) {
  for (const std::string& bad : {bad_sequence, std::string("\xed\xa0\x80"), std::string("\xc0\xaf"),
                                 std::string("\xce")}) {
    auto ws = open();
    ws->send(text_frame(kosme + bad));
    expect_closed_with(*ws, 1007);
    auto ws2 = open();
    ws2->send(text_frame(kosme, false) + continuation_frame(bad, true));
    expect_closed_with(*ws2, 1007);
  }
}

TEST_F(rfc6455_test, S6_InvalidUtf8FailsBeforeTheMessageEnds) {
  // Autobahn 6.4.1: the third fragment is never sent.
  auto ws = open();
  ws->send(text_frame(kosme, false));
  ws->send(continuation_frame(bad_sequence, false));
  expect_closed_with(*ws, 1007);
  // Autobahn 6.4.3: one frame, sent up to just past the bad byte.
  auto ws2 = open();
  auto frame = text_frame(kosme + bad_sequence + "edited");
  ws2->send(frame.substr(0, frame.size() - 7));
  expect_closed_with(*ws2, 1007);
}

// --- 7: closing ---------------------------------------------------------------------------------

TEST_F(rfc6455_test, S7_MessageBeforeTheCloseIsHandledBeforeTheEcho) {
  auto ws = open();
  ws->send(text_frame(send_text("last")) + close_frame(1000));
  expect_ack(*ws, "last");
  expect_closed_with(*ws, 1000);
}

TEST_F(rfc6455_test, S7_NothingAfterTheCloseIsRead) {
  // 7.1.2 to 7.1.4: a second Close, a ping, a message: one echo, nothing else.
  auto ws = open();
  ws->send(close_frame(1000) + close_frame(1001) + ping_frame("late")
           + text_frame(send_text("late")));
  expect_only_the_echo(*ws);
}

TEST_F(rfc6455_test, S7_CloseInsideAFragmentedMessageDropsIt) {
  // 7.1.5: the message never completes, so it is not handled.
  auto ws = open();
  auto cmd = send_text("cut");
  ws->send(text_frame(cmd.substr(0, 10), false) + close_frame(1000)
           + continuation_frame(cmd.substr(10), true));
  expect_only_the_echo(*ws);
}

TEST_F(rfc6455_test, S7_LargeMessageThenCloseThenPing) {
  // 7.1.6: the message is handled, the ping after the Close is not.
  auto ws = open();
  ws->send(text_frame(sized_send(60000, "large")) + close_frame(1000) + ping_frame("late"));
  expect_ack(*ws, "large");
  expect_closed_with(*ws, 1000);
}

TEST_F(rfc6455_test, S7_CloseBodiesAreEchoed) {
  // 7.3.1, 7.3.3 to 7.3.5: no body (answered with 1000), a code, a reason.
  auto empty = open();
  empty->send(client_frame(op::fin | op::close, ""));
  expect_closed_with(*empty, 1000);
  for (const auto& reason : {std::string(), std::string("Hello World!"), std::string(123, 'r')}) {
    auto ws = open();
    ws->send(close_frame(1000, reason));
    auto f = next_control(*ws);
    EXPECT_EQ(f.opcode, op::close);
    EXPECT_EQ(f.payload.substr(0, 2), close_body(1000));
    EXPECT_TRUE(ws->closed_within(prompt));
  }
}

TEST_F(rfc6455_test, S7_BadCloseBodiesFailTheConnection) {
  // 7.3.2: one byte; 7.3.6: a 124-byte reason (126 in all); 7.5.1: not UTF-8.
  std::vector<std::pair<std::string, uint16_t>> cases = {
    {client_frame(op::fin | op::close, std::string(1, '\x03')), 1002},
    {client_frame(op::fin | op::close, close_body(1000, std::string(124, 'r'))), 1002},
    {close_frame(1000, kosme + "\xed\xa0\x80" "edited"), 1007},
  };
  for (const auto& [bytes, code] : cases) {
    auto ws = open();
    ws->send(bytes);
    expect_closed_with(*ws, code);
  }
}

TEST_F(rfc6455_test, S7_ValidCloseCodesAreEchoed) {
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                        3000, 3999, 4000, 4999}) {
    SCOPED_TRACE(code);
    auto ws = open();
    ws->send(close_frame(code));
    expect_closed_with(*ws, code);
  }
}

TEST_F(rfc6455_test, S7_InvalidCloseCodesFailWith1002AndAreNeverEchoed) {
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    SCOPED_TRACE(code);
    auto ws = open();
    ws->send(close_frame(code));
    expect_closed_with(*ws, 1002);
  }
}

// --- masking (§5.1) ------------------------------------------------------------------------------

TEST_F(rfc6455_test, UnmaskedClientFramesFailWith1002) {
  for (const auto& bytes : {client_frame(op::fin | op::text, send_text("x"), unmasked()),
                            client_frame(op::fin | op::ping, "", unmasked()),
                            client_frame(op::fin | op::close, close_body(1000), unmasked())}) {
    auto ws = open();
    ws->send(bytes + ping_frame());
    expect_closed_with(*ws, 1002);
  }
}

} // namespace
} // namespace sb::test
