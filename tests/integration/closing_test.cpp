// Closing loses nothing and holds nothing (docs/protocol-notes.md,
// "Closing"): every message read before the peer's Close or a protocol
// error is handled, in order: stored, broadcast, acked before the server's
// Close, even when it all arrives in one TCP read, even before `welcome`;
// and one read before the connection dropped is still broadcast.
// And a connection failed on a frame header (a length no message can have)
// ends at once instead of reading on into a payload that never comes.

#include "tests/support/broker_mode.hpp"
#include "tests/support/client_frames.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/raw_ws.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <memory>
#include <string>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// Well under the close timer (limits.shutdown-drain, 10 s).
constexpr auto prompt = 3s;
/// The races these tests look for were lost about half the time: enough
/// rounds that a server that loses messages fails them.
constexpr int closing_rounds = 10;

class closing_test : public server_suite, public ::testing::WithParamInterface<std::string> {
protected:
  static void SetUpTestSuite() { start_server({"--limits.commands-per-second=0"}); }
  static void TearDownTestSuite() { stop_server(); }

  void SetUp() override {
    server_suite::SetUp();
    if (HasFatalFailure()) return;
    stream_ = test_stream();
    observer_ = raw_ws::open_chat(port(), stream_, GetParam());
  }

  std::string send_text(const std::string& ref) {
    return send_command(stream_, "text of " + ref, ref).dump();
  }

  /// Reads the sender's frames up to the server's Close: the ack of `ref`
  /// must come first. Returns the Close's code.
  static uint16_t ack_then_close(raw_ws& ws, const std::string& ref) {
    bool acked = false;
    for (;;) {
      auto f = ws.read_frame();
      if (f.opcode == op::close) {
        EXPECT_TRUE(acked) << "closed before the ack of " << ref;
        EXPECT_TRUE(ws.closed_within(prompt));
        return f.payload.size() >= 2 ? static_cast<uint16_t>(
                                         (static_cast<uint8_t>(f.payload[0]) << 8)
                                         | static_cast<uint8_t>(f.payload[1]))
                                     : 0;
      }
      if (f.opcode == op::text && is_ack(json::parse(f.payload), ref))
        acked = true;
    }
  }

  /// The observer gets the message `ref` carried (other frames skipped).
  void expect_broadcast(const std::string& ref) {
    for (;;) {
      auto f = observer_->read_json();
      if (is_event(f, "message", stream_) && f["data"]["text"] == "text of " + ref)
        return;
    }
  }

  std::string stream_;
  std::unique_ptr<raw_ws> observer_;
};

TEST_P(closing_test, MessageAndCloseInOneReadAreBothHandled) {
  // `ws.send(x); ws.close()` from a browser.
  for (int i = 0; i < closing_rounds; ++i) {
    auto ref = "last-" + std::to_string(i);
    auto sender = raw_ws::open_chat(port(), stream_, GetParam());
    sender->send(text_frame(send_text(ref)) + close_frame(1000));
    EXPECT_EQ(ack_then_close(*sender, ref), 1000);
    expect_broadcast(ref);
  }
}

TEST_P(closing_test, MessagesSentWithTheUpgradeAreHandledBeforeTheClose) {
  // Everything in one write: the upgrade, two commands and the Close. The
  // commands arrive before welcome; the Close waits until they ran.
  auto target = ws_client::target(json::array({chat_spec(stream_, GetParam())}));
  raw_ws sender(port(), raw_ws::upgrade_request(port(), target),
                text_frame(send_text("early-1")) + text_frame(send_text("early-2"))
                  + close_frame(1000));
  sender.expect_upgrade();
  EXPECT_EQ(sender.read_json().value("type", ""), "welcome");
  auto first = [&] {
    for (;;) {
      auto f = sender.read_json();
      if (f.value("type", "") == "ack")
        return f;
    }
  }();
  EXPECT_TRUE(is_ack(first, "early-1")) << first;
  EXPECT_EQ(ack_then_close(sender, "early-2"), 1000);
  expect_broadcast("early-1");
  expect_broadcast("early-2");
}

TEST_P(closing_test, WholeMessageBeforeAProtocolErrorIsHandled) {
  // A complete fragmented message, then a stray continuation (1002).
  for (int i = 0; i < closing_rounds; ++i) {
    auto ref = "whole-" + std::to_string(i);
    auto cmd = send_text(ref);
    auto sender = raw_ws::open_chat(port(), stream_, GetParam());
    sender->send(text_frame(cmd.substr(0, 10), false) + continuation_frame(cmd.substr(10), true)
                 + continuation_frame("stray", false));
    EXPECT_EQ(ack_then_close(*sender, ref), 1002);
    expect_broadcast(ref);
  }
}

TEST_P(closing_test, MessageBeforeADroppedConnectionIsStillBroadcast) {
  // No Close at all: the client's TCP connection ends right after the
  // message. Nobody is left to ack, but the message is still delivered.
  for (int i = 0; i < closing_rounds; ++i) {
    auto ref = "dropped-" + std::to_string(i);
    auto sender = raw_ws::open_chat(port(), stream_, GetParam());
    sender->send(text_frame(send_text(ref)));
    sender.reset();
    expect_broadcast(ref);
  }
}

TEST_P(closing_test, AnEndThatCameWithTheLastMessageClosesAtOnce) {
  // The message and the client's FIN in one segment: one read takes both,
  // and no later readiness will tell of the end. The server must still see
  // it now, not at the next ping (limits.ping-interval, 25 s).
  for (int i = 0; i < 3; ++i) {
    auto ref = "ended-" + std::to_string(i);
    auto sender = raw_ws::open_chat(port(), stream_, GetParam());
    sender->send_and_end(text_frame(send_text(ref)));
    expect_broadcast(ref);
    EXPECT_TRUE(sender->closed_within(prompt)) << "the end was not noticed";
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, closing_test, ::testing::Values("pub-sub", "streams"),
                         [](const auto& info) {
                           return info.param == "pub-sub" ? "PubSub" : "Streams";
                         });

// --- the wait is bounded ---------------------------------------------------------------------

TEST(closing_bound_test, TheCloseTimerBoundsTheWaitForAnswers) {
  // Redis stops answering, so the message's XADD hangs (the chat plugin
  // gives up after 5 s): the Close must not wait for it longer than
  // limits.shutdown-drain.
  SB_REDIS_ONLY();
  redis_server redis;
  server_process server({"--broker=redis", "--redis.url=" + redis.url(),
                         "--redis.command-timeout=10s", "--limits.shutdown-drain=500ms"});
  auto stream = test_stream();
  auto sender = raw_ws::open_chat(server.port(), stream);
  ::kill(redis.pid(), SIGSTOP);
  struct resume {
    pid_t pid;
    ~resume() { ::kill(pid, SIGCONT); }
  } resume_redis{redis.pid()};
  auto start = std::chrono::steady_clock::now();
  sender->send(text_frame(send_command(stream, "stuck", "stuck").dump()) + close_frame(1000));
  EXPECT_EQ(sender->expect_close().code, 1000);
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  EXPECT_LT(waited.count(), 3000) << "ms until the Close";
  EXPECT_TRUE(sender->closed_within(prompt));
}

// --- lengths no message can have -------------------------------------------------------------

class oversized_header_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({}); }
  static void TearDownTestSuite() { stop_server(); }

  /// Sends `header` and a Close, as a client gives up would: the server
  /// fails the connection with `code` and closes it at once, without taking
  /// the Close for payload and waiting for the rest.
  void expect_failed_at_once(const std::string& header, uint16_t code) {
    auto ws = raw_ws::open_chat(port(), test_stream());
    ws->send(header + close_frame(1000));
    EXPECT_EQ(ws->expect_close().code, code);
    EXPECT_TRUE(ws->closed_within(prompt)) << "the connection was held open";
  }
};

TEST_F(oversized_header_test, LengthWithTheTopBitSetFailsWith1002AndCloses) {
  expect_failed_at_once(client_frame(op::fin | op::binary, "", declaring(uint64_t{1} << 63)), 1002);
}

TEST_F(oversized_header_test, TebibyteLengthFailsWith1009AndCloses) {
  expect_failed_at_once(client_frame(op::fin | op::text, "", declaring(uint64_t{1} << 40)), 1009);
}

} // namespace
} // namespace sb::test
