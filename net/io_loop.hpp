#pragma once
// One event loop: an io_context run by exactly one thread. Each socket lives
// on one loop for its whole life, so its handlers never run concurrently and
// need no strand. Sessions with frames to write register here; one posted
// handler chain then flushes all of them, so fanning one event out to
// thousands of sockets costs one wake-up of the loop, not one per socket.
// Built with SWITCHBOARD_IO_URING, the loop sends the first batch of every
// session in a slice with one system call (net/send_ring). Upgraded sockets
// are watched by the loop's poller, not by asio (net/poller).

#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "net/poller.hpp"
#include "net/send_ring.hpp"
#include "net/timer_wheel.hpp"

namespace sb {

class websocket_session;

class io_loop {
public:
  io_loop() = default;
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  boost::asio::io_context& context() { return ctx_; }
  /// The sockets' keepalive and close timers (loop thread only).
  timer_wheel& timers() { return timers_; }
  /// The upgraded sockets' readiness (loop thread only).
  poller& readiness() { return poller_; }

  void start();
  void stop();

  /// Thread-safe: flushes `session` on this loop soon, together with every
  /// other session scheduled until then.
  void schedule_flush(std::shared_ptr<websocket_session> session);

private:
  /// Sessions flushed per handler: small enough that reads are not held up
  /// for long (about 64 sendmsg calls here take 0.3 ms), large enough
  /// that the posting costs nothing next to the writes.
  static constexpr size_t flush_slice = send_ring::capacity;

  void flush_some();
  /// Flushes flushing_[next_, end) with one io_uring submission.
  void flush_through_ring(size_t end);

  boost::asio::io_context ctx_{1};
  /// Up to a tick late; the keepalive test pings every 200 ms.
  timer_wheel timers_{ctx_, std::chrono::milliseconds(50)};
  poller poller_{ctx_};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<websocket_session>> dirty_;
  std::vector<std::shared_ptr<websocket_session>> flushing_; ///< loop thread only
  size_t next_ = 0; ///< index in flushing_ of the next session to flush
  std::unique_ptr<send_ring> ring_; ///< loop thread only; null: sendmsg per session
  bool posted_ = false;
};

} // namespace sb
