#pragma once
// A synchronous WebSocket test client: one socket to a running switchboard,
// every read and write bounded by a timeout (default 5 s) so no test hangs.

#include "tests/support/timed_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sb::test {

/// What the server said when it closed the socket.
struct close_result {
  uint16_t code = 0;
  std::string reason;
  size_t frames_before = 0; ///< data frames read (and dropped) before the close
};

/// Query parameters or headers, in order.
using params = std::vector<std::pair<std::string, std::string>>;

/// How ws_client connects.
struct ws_options {
  std::chrono::milliseconds timeout{5000};  ///< SO_RCVTIMEO and SO_SNDTIMEO
  std::optional<int> receive_buffer;        ///< SO_RCVBUF, set before connect
  params headers;                           ///< extra upgrade request headers
};

class ws_client {
public:

  ws_client();
  /// Connects and completes the upgrade; throws when either fails.
  ws_client(uint16_t port, const std::string& target, ws_options opts = {});
  /// Drops the TCP connection without a close handshake (see close()).
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void connect(uint16_t port, const std::string& target, ws_options opts = {});

  // --- writing ---
  void send_text(const std::string& text);
  void send_json(const nlohmann::json& frame);
  void send_binary(const std::string& bytes);

  // --- reading; each throws on timeout, close, or an unexpected frame ---
  std::string read_text();
  nlohmann::json read_json();
  /// Reads frames until `pred` holds for one; returns all frames read, the
  /// matching one last. Throws after `max_frames` frames without a match.
  std::vector<nlohmann::json> read_until(const std::function<bool(const nlohmann::json&)>& pred,
                                         size_t max_frames = 1000);
  /// Reads exactly `n` JSON frames.
  std::vector<nlohmann::json> read_n(size_t n);
  /// Reads (and drops) data frames until the server's close frame.
  close_result expect_close(size_t max_frames = 10'000'000);

  /// Starts the close handshake from our side and waits for the reply.
  void close(uint16_t code = 1000);
  bool is_open() const;
  /// Pings received so far (Beast answers each with a pong while reading).
  size_t pings() const { return pings_; }

  // --- targets ---
  /// "/ws?clients=<encoded JSON>&k=v..." (the clients value is compact JSON).
  static std::string target(const nlohmann::json& clients, const params& extra = {},
                            const std::string& path = "/ws");
  /// "/ws?k=v..." with every value percent-encoded.
  static std::string target(const params& query, const std::string& path = "/ws");
  /// Percent-encodes everything except RFC 3986 unreserved characters.
  static std::string url_encode(const std::string& text);

private:
  using stream = boost::beast::websocket::stream<timed_socket>;

  [[noreturn]] void fail(const char* what, const boost::beast::error_code& ec);

  boost::asio::io_context ioc_;
  std::unique_ptr<stream> ws_;
  size_t pings_ = 0;
};

} // namespace sb::test
