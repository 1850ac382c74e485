#pragma once
// Readiness of one loop's WebSockets (net/io_loop): an epoll set of their
// descriptors, which asio watches as one descriptor of its own. An upgraded
// socket leaves asio (its descriptor state is 168 B, and each pending wait
// another 120 to 190 B: docs/internals.md) and is watched here through a
// pointer to what it is embedded in, at no cost on the heap.
//
// Edge-triggered: a watcher hears of each change (bytes arrived, space
// freed, an error or the peer's end), not of a state that lasts, so it
// reads until a short read (after the peer's end: until the end) and
// writes until the kernel refuses. Loop thread only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <sys/epoll.h>
#include <cstdint>

namespace sb {

class poller {
public:
  /// Embedded in what waits for its descriptor (a session).
  class watcher {
  public:
    /// `events`: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLERR, EPOLLHUP.
    virtual void on_ready(uint32_t events) = 0;

  protected:
    ~watcher() = default;
  };

  explicit poller(boost::asio::io_context& ctx);
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  /// Starts waiting; before the loop runs, or on its thread.
  void start();
  /// Stops waiting (the loop's run() may return); loop thread only.
  void stop();

  /// Watches `fd` for input until forget(); false with errno set if the
  /// kernel refuses. Input already there is reported at once.
  bool watch(int fd, watcher& w);
  /// Also reports when `fd` can take more output; false with errno set.
  bool watch_output(int fd, watcher& w);
  /// No more events for `w` (watching `fd`), also none gathered in the
  /// batch being handed out: `w` may be gone before the batch ends.
  void forget(int fd, watcher& w);

  /// Events handed out per epoll_wait: a batch this full is followed by
  /// another at once, so nothing waits for a new edge.
  static constexpr int batch = 256;

private:
  void wait();
  void drain();

  boost::asio::posix::stream_descriptor epoll_;
  epoll_event ready_[batch]; ///< the batch being handed out
  int count_ = 0;            ///< events in ready_
  int next_ = 0;             ///< the next one to hand out
  bool stopped_ = false;
};

} // namespace sb
