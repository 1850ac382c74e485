#pragma once
// Many sendmsg calls in one system call: one io_uring per io_loop, used
// only by that loop's thread. The loop fills a slot (socket, msghdr,
// iovecs) per socket of a flush slice, then run() sends them all with one
// io_uring_enter and gives back each one's result, exactly what sendmsg
// would have returned (bytes, or -errno). Knows nothing of sessions or
// WebSockets. The slots belong to the ring, so the iovecs and headers stay
// valid until every completion is reaped, which run() does before it
// returns.
//
// Built only with the CMake option SWITCHBOARD_IO_URING; create() returns
// nothing without it, or when the kernel refuses a ring (seccomp, an old
// kernel: logged once), and the loop calls sendmsg itself.
// docs/internals.md, "The send path".

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <memory>

#include "net/send_queue.hpp"

namespace sb {

class send_ring {
public:
  /// Sends per run(): one flush slice.
  static constexpr size_t capacity = 64;

  /// One sendmsg to make.
  struct slot {
    int fd = -1;
    msghdr msg{};
    iovec iov[send_queue::max_iovecs];
  };

  /// A ring for the calling thread, or nullptr (not built in, or refused).
  static std::unique_ptr<send_ring> create();
  ~send_ring();
  send_ring(const send_ring&) = delete;
  send_ring& operator=(const send_ring&) = delete;

  slot& at(size_t i) { return slots_[i]; }
  /// Sends slots [0, n) with sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT): a full
  /// socket answers -EAGAIN at once instead of waiting in the ring. Fills
  /// result[i] for each; returns when all are done.
  void run(size_t n, int* result);

private:
  struct impl;
  explicit send_ring(std::unique_ptr<impl> ring);

  std::unique_ptr<impl> ring_; ///< null once the ring failed: sendmsg then
  slot slots_[capacity];
};

} // namespace sb
