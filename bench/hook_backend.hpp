#pragma once
// The application backend of the `hooks` scenario: an HTTP/1.1 keep-alive
// server on 127.0.0.1, one thread per connection, that answers every hook
// a proxy plugin POSTs with one broadcast event, at once. What it counts
// shows whether the server pools its connections (few connections, many
// hooks). It runs beside the bench's epoll loop, on threads of its own.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace bench {

class hook_backend {
public:
  /// Listens on 127.0.0.1:`port`; throws when the port is taken.
  explicit hook_backend(uint16_t port);
  ~hook_backend();
  hook_backend(const hook_backend&) = delete;
  hook_backend& operator=(const hook_backend&) = delete;

  uint64_t hooks() const { return hooks_; }
  uint64_t connections() const { return connections_; }

private:
  struct impl;
  void accept_loop();
  void serve(boost::asio::ip::tcp::socket& socket);

  std::unique_ptr<impl> impl_;
  std::atomic<uint64_t> hooks_{0};
  std::atomic<uint64_t> connections_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

} // namespace bench
