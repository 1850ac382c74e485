// Keepalive (PROTOCOL §7, protocol-notes "Closing"): the server pings every
// limits.ping-interval; a client that answers stays, one that does not is
// dropped once limits.pong-timeout passes, without a closing handshake.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/timed_socket.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace sb::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::vector<std::string> fast_pings{"--limits.ping-interval=200ms",
                                          "--limits.pong-timeout=200ms"};

TEST(keepalive_test, ClientThatAnswersPingsStaysOpen) {
  server_process server(fast_pings);
  auto stream = test_stream();
  chat_peer steady(server.port(), stream, "pub-sub");
  // steady blocks in a read (answering pings) until a newcomer joins 1.5 s later.
  auto start = clock_type::now();
  std::unique_ptr<chat_peer> newcomer;
  std::thread later([&] {
    std::this_thread::sleep_for(1500ms);
    newcomer = std::make_unique<chat_peer>(server.port(), stream, "pub-sub");
  });
  json joined;
  try {
    joined = steady.ws.read_json();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the answering client lost its socket after "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                                            - start).count()
                  << " ms: " << e.what();
  }
  later.join();
  if (HasFailure()) return;
  EXPECT_GE(clock_type::now() - start, 1s);
  EXPECT_TRUE(is_event(joined, "joined", stream)) << joined;
  // A ping every 400 ms (200 ms interval, then up to 200 ms for the pong).
  EXPECT_GE(steady.ws.pings(), 2u);
  // Still fully working.
  steady.say("still here");
  auto f = newcomer->ws.read_json();
  EXPECT_TRUE(is_event(f, "message", stream)) << f;
}

// One server frame: opcode and payload length (servers never mask).
struct raw_frame {
  int opcode = 0;
  size_t length = 0;
};

TEST(keepalive_test, ClientThatNeverAnswersIsDroppedWithoutClosingHandshake) {
  server_process server(fast_pings);
  boost::asio::io_context ioc;
  timed_socket socket(ioc);
  socket.connect(server.port(), 5s);
  auto target = ws_client::target(json::array({chat_spec(test_stream())}));
  std::string request = "GET " + target + " HTTP/1.1\r\n"
                        "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(request));

  // Everything the server sends until it drops us; the 101 and then frames.
  std::string received;
  boost::beast::error_code ec;
  clock_type::time_point upgraded{};
  char chunk[4096];
  while (!ec) {
    auto n = socket.read_some(boost::asio::buffer(chunk), ec);
    received.append(chunk, n);
    if (upgraded == clock_type::time_point{} && received.find("\r\n\r\n") != std::string::npos)
      upgraded = clock_type::now();
  }
  auto lasted = clock_type::now() - upgraded;
  ASSERT_EQ(received.rfind("HTTP/1.1 101", 0), 0u) << received.substr(0, 200);
  ASSERT_NE(ec, boost::asio::error::timed_out) << "the server kept a silent client for 5 s";
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
    << ec.message();
  // First ping after 200 ms, no pong within 200 ms more: dropped after ~400 ms.
  EXPECT_GE(lasted, 350ms);
  EXPECT_LT(lasted, 1200ms) << std::chrono::duration_cast<std::chrono::milliseconds>(lasted)
                                 .count() << " ms";

  // The frames: the opening, at least one ping, and no close frame.
  std::vector<raw_frame> frames;
  size_t pos = received.find("\r\n\r\n") + 4;
  while (pos + 2 <= received.size()) {
    auto b0 = static_cast<unsigned char>(received[pos]);
    auto b1 = static_cast<unsigned char>(received[pos + 1]);
    ASSERT_EQ(b1 & 0x80, 0) << "a server frame is masked";
    size_t len = b1 & 0x7f;
    size_t header = 2;
    if (len == 126 || len == 127) {
      size_t bytes = len == 126 ? 2 : 8;
      if (pos + 2 + bytes > received.size()) break;
      len = 0;
      for (size_t k = 0; k < bytes; ++k)
        len = len << 8 | static_cast<unsigned char>(received[pos + 2 + k]);
      header += bytes;
    }
    if (pos + header + len > received.size()) break;
    frames.push_back({b0 & 0x0f, len});
    pos += header + len;
  }
  EXPECT_EQ(pos, received.size()) << "a truncated frame at the end";
  int pings = 0;
  for (const auto& f : frames) {
    pings += f.opcode == 0x9;
    EXPECT_NE(f.opcode, 0x8) << "a close frame: the peer is gone, no closing handshake expected";
  }
  EXPECT_GE(pings, 1);
  ASSERT_GE(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, 0x1) << "the welcome text frame comes first";
}

} // namespace
} // namespace sb::test
