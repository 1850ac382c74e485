#pragma once
// An application backend for the proxy plugin's tests (and a webhook for
// the stream consumers' tests): an HTTP/1.1 server
// on a free port, one thread per connection (so one stalled answer holds up
// no other connection), keep-alive, that checks `Authorization: Bearer
// <key>` (401 otherwise) and answers each hook with what the test's handler
// returns. It records every hook it received.

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sb::test {

struct backend_answer {
  unsigned status = 200;
  std::string body = "{}";
  std::chrono::milliseconds delay{0}; ///< waited before answering
};

class test_backend {
public:
  using handler = std::function<backend_answer(const nlohmann::json& hook)>;

  explicit test_backend(std::string api_key);
  ~test_backend();
  test_backend(const test_backend&) = delete;
  test_backend& operator=(const test_backend&) = delete;

  uint16_t port() const { return port_; }
  /// Answers from now on; the default answers `{}`.
  void set_handler(handler h);

  /// The hooks received with the right key, in order.
  std::vector<nlohmann::json> hooks() const;
  /// Those of `hook` (open, message, close) on `stream`.
  std::vector<nlohmann::json> hooks(const std::string& hook, const std::string& stream) const;
  /// Waits until `n` hooks `hook` on `stream` arrived; false on timeout.
  bool wait_for(const std::string& hook, const std::string& stream, size_t n,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// Waits until `done` holds for the requests received so far (every
  /// body, in order, whatever its shape); false on timeout.
  bool wait_until(const std::function<bool(const std::vector<nlohmann::json>&)>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// Requests refused for a missing or wrong Bearer key.
  size_t unauthorized() const { return unauthorized_; }
  /// TCP connections accepted so far (keep-alive reuses them).
  size_t connections() const { return connections_; }

  /// Stops accepting and closes every connection (the backend is down).
  void stop();

private:
  void accept_loop();
  void serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  std::string key_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable hooked_; ///< a hook arrived
  handler handler_;
  std::vector<nlohmann::json> hooks_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  std::thread acceptor_thread_;
  std::atomic<size_t> unauthorized_{0};
  std::atomic<size_t> connections_{0};
  std::atomic<bool> stopped_{false};
};

} // namespace sb::test
