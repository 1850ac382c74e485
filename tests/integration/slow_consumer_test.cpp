// A socket that stops reading (PROTOCOL §7): once its outgoing queue passes
// limits.queue-size it is closed with 4008, and nobody else loses a message.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <thread>

namespace sb::test {
namespace {

TEST(slow_consumer_test, SlowSocketIsClosedWith4008WhileOthersGetEverything) {
  server_process server({"--limits.commands-per-second=0"});
  auto stream = test_stream();
  // 6000 texts of 4000 bytes, ~24 MB: far past the kernel buffers plus 1 MiB.
  const int total = 6000;
  const int window = 16;
  const std::string filler(3992, 'x');
  // "#000042:" numbers each text, so the reader can check the order.
  auto label_of = [](int i) { return "#" + std::to_string(1'000'000 + i).substr(1) + ":"; };

  chat_peer reader(server.port(), stream, "streams");
  ws_options tiny;
  tiny.receive_buffer = 4096;
  chat_peer slow(server.port(), stream, "streams", {}, tiny);  // reads its opening, then stops
  chat_peer writer(server.port(), stream, "streams");

  // The reader drains on its own thread, checking every message arrives in order.
  int received = 0;
  bool slow_left = false;  // written by the reader thread until it is joined
  std::string reader_error;
  std::thread reader_thread([&] {
    try {
      reader.ws.read_until([&](const json& f) {
        if (is_event(f, "left", stream) && f["data"]["user"] == slow.user) slow_left = true;
        if (!is_event(f, "message", stream)) return false;
        auto text = f["data"]["text"].get<std::string>();
        auto expected = label_of(received);
        if (text.compare(0, expected.size(), expected) != 0)
          throw std::runtime_error("reader got " + text.substr(0, 8) + " as message " +
                                   std::to_string(received));
        return ++received == total;
      }, 2 * total);
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });

  // Joins the reader even when the writer below throws (a read timeout).
  struct joiner {
    std::thread& t;
    ~joiner() {
      if (t.joinable()) t.join();
    }
  } join_reader{reader_thread};

  // The writer keeps at most `window` sends in flight so it never falls behind itself.
  auto text_of = [&](int i) { return label_of(i) + filler; };
  int sent = 0;
  int acked = 0;
  int echoed = 0;
  std::string writer_error;
  while ((acked < total || echoed < total) && writer_error.empty()) {
    while (sent < total && sent - acked < window) {
      writer.ws.send_json(send_command(stream, text_of(sent), std::to_string(sent)));
      ++sent;
    }
    auto f = writer.ws.read_json();
    auto type = f.value("type", "");
    if (type == "ack") ++acked;
    if (type == "error") writer_error = f.dump().substr(0, 300);
    if (is_event(f, "message", stream)) ++echoed;
  }
  reader_thread.join();
  ASSERT_EQ(writer_error, "");
  EXPECT_EQ(reader_error, "");
  EXPECT_EQ(received, total);

  auto closed = slow.ws.expect_close();
  EXPECT_EQ(closed.code, 4008);
  EXPECT_EQ(closed.reason, "Slow consumer");
  EXPECT_LT(closed.frames_before, static_cast<size_t>(total));

  // The others are unaffected, and see the slow socket leave (its `left` and
  // the writer's next message travel different paths: either may come first).
  writer.say("after");
  bool after = false;
  reader.ws.read_until([&](const json& f) {
    if (is_event(f, "left", stream) && f["data"]["user"] == slow.user) slow_left = true;
    if (is_event(f, "message", stream) && f["data"]["text"] == "after") after = true;
    return slow_left && after;
  });
}

} // namespace
} // namespace sb::test
