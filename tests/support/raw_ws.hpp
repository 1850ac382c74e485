#pragma once
// A WebSocket client that sends exactly the bytes a test gives it (built
// with tests/support/client_frames.hpp) and parses what the server sends
// back frame by frame, for the RFC 6455 conformance tests: Beast's client
// would refuse to send most of what they need. Blocking, every read bounded
// by a timeout.

#include "tests/support/timed_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace sb::test {

/// One frame the server sent.
struct server_frame {
  uint8_t opcode = 0;
  bool fin = true;
  std::string payload;
};

/// The server's Close: code 0 when it had no body.
struct server_close {
  uint16_t code = 0;
  std::string reason;
};

class raw_ws {
public:
  /// Connects and sends `request` (a complete HTTP request) plus `extra`
  /// bytes in one write; does not read the response.
  raw_ws(uint16_t port, const std::string& request, const std::string& extra = {},
         std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// An upgrade request for `target`; with_host = false leaves Host out.
  static std::string upgrade_request(uint16_t port, const std::string& target,
                                     bool with_host = true);

  /// Reads the HTTP response head; returns its status code.
  unsigned read_status();
  /// Reads the head and throws unless it is 101.
  void expect_upgrade();

  void send(const std::string& bytes);
  /// Sends `bytes` one byte per write (TCP may still merge them).
  void send_in_chops(const std::string& bytes);
  /// Sends `bytes` and ends the connection's sending side in one TCP
  /// segment (corked), so the server reads the last bytes and the end at once.
  void send_and_end(const std::string& bytes);

  /// The next frame; throws on timeout or end of file.
  server_frame read_frame();
  /// The next text frame as JSON, answering nothing on the way (pings from
  /// the server are skipped); throws on a Close.
  nlohmann::json read_json();
  /// Reads until the server's Close, skipping other frames.
  server_close expect_close();
  /// True when the server closes the TCP connection within `timeout`
  /// (bytes arriving meanwhile are dropped).
  bool closed_within(std::chrono::milliseconds timeout);

  /// Connects with a chat spec on `stream` and reads the opening every
  /// chat socket gets (welcome, history, its own joined); returns the user.
  static std::unique_ptr<raw_ws> open_chat(uint16_t port, const std::string& stream,
                                           const std::string& strategy = "pub-sub");
  nlohmann::json user; ///< set by open_chat()

private:
  /// Reads at least one more byte into in_; false on end of file.
  bool fill();

  boost::asio::io_context ioc_;
  timed_socket socket_;
  std::string in_;
};

} // namespace sb::test
