// A socket that stops reading (PROTOCOL §7): once its outgoing queue passes
// limits.queue-size it is closed with 4008, and nobody else loses a message.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

namespace sb::test {
namespace {

// 6000 texts of 4000 bytes, ~24 MB: far past the kernel buffers plus 1 MiB.
constexpr int total = 6000;
constexpr int window = 16;  // the writer's sends in flight

// "#000042:xxxx...", 4000 bytes; the label lets readers check the order.
std::string label_of(int i) {
  return "#" + std::to_string(1'000'000 + i).substr(1) + ":";
}
std::string text_of(int i) {
  return label_of(i) + std::string(3992, 'x');
}

// Sends every text, keeping at most `window` unacknowledged so the writer
// never becomes a slow consumer itself; returns an error frame if one came.
std::string flood(chat_peer& writer) {
  int sent = 0;
  int acked = 0;
  int echoed = 0;
  while (acked < total || echoed < total) {
    while (sent < total && sent - acked < window) {
      writer.ws.send_json(send_command(writer.stream, text_of(sent), std::to_string(sent)));
      ++sent;
    }
    auto f = writer.ws.read_json();
    auto type = f.value("type", "");
    if (type == "error") return f.dump().substr(0, 300);
    acked += type == "ack";
    echoed += is_event(f, "message", writer.stream);
  }
  return {};
}

// Reads until all `total` messages arrived, in order; notes whether `gone` left.
void read_all_in_order(chat_peer& reader, const json& gone, bool& gone_left) {
  int received = 0;
  reader.ws.read_until([&](const json& f) {
    if (is_event(f, "left") && f["data"]["user"] == gone) gone_left = true;
    if (!is_event(f, "message", reader.stream)) return false;
    auto text = f["data"]["text"].get<std::string>();
    if (text.rfind(label_of(received), 0) != 0)
      throw std::runtime_error("message " + std::to_string(received) + " was " + text.substr(0, 8));
    return ++received == total;
  }, 2 * total);
}

TEST(slow_consumer_test, SlowSocketIsClosedWith4008WhileOthersGetEverything) {
  // The slow socket reads its close only after the flood; the server waits
  // limits.shutdown-drain for that before it drops the TCP connection, and
  // under ASan on a busy machine the flood alone can take 10 s.
  server_process server({"--limits.commands-per-second=0", "--limits.shutdown-drain=60s"});
  auto stream = test_stream();
  chat_peer reader(server.port(), stream, "streams");
  ws_options tiny;
  tiny.receive_buffer = 4096;
  chat_peer slow(server.port(), stream, "streams", {}, tiny);  // reads its opening, then stops
  chat_peer writer(server.port(), stream, "streams");

  bool slow_left = false;  // written by the reader thread until it is joined
  std::string reader_error;
  std::thread reader_thread([&] {
    try {
      read_all_in_order(reader, slow.user, slow_left);
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  std::string writer_error;
  try {
    writer_error = flood(writer);
  } catch (const std::exception& e) {
    writer_error = e.what();
  }
  reader_thread.join();
  ASSERT_EQ(writer_error, "");
  ASSERT_EQ(reader_error, "");

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
