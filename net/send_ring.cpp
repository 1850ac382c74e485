#include "net/send_ring.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>

#include "core/log.hpp"

#ifdef SWITCHBOARD_IO_URING
#include <liburing.h>
#endif

namespace sb {

namespace {

constexpr int send_flags = MSG_NOSIGNAL | MSG_DONTWAIT;

int send_now(const send_ring::slot& s) {
  ssize_t n = ::sendmsg(s.fd, &s.msg, send_flags);
  return n < 0 ? -errno : int(n);
}

} // namespace

#ifdef SWITCHBOARD_IO_URING

namespace {

/// One line per process, not one per loop.
void log_once(const char* what, int error) {
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true))
    log::warning("net", what, " (", std::strerror(error), "): sending with sendmsg");
}

} // namespace

struct send_ring::impl {
  io_uring ring{};
  bool live = false; ///< set up: torn down with the object
  ~impl() {
    if (live)
      io_uring_queue_exit(&ring);
  }
};

std::unique_ptr<send_ring> send_ring::create() {
  auto ring = std::make_unique<impl>();
  // Only this thread submits, and only when it also waits: the kernel can
  // skip the work meant for other submitters and interrupts. Kernels
  // before 6.1 refuse these flags; a plain ring works there too.
  io_uring_params params{};
  params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
                 IORING_SETUP_DEFER_TASKRUN;
  int r = io_uring_queue_init_params(capacity, &ring->ring, &params);
  if (r == -EINVAL) {
    params = io_uring_params{};
    r = io_uring_queue_init_params(capacity, &ring->ring, &params);
  }
  if (r < 0) {
    log_once("io_uring is not available", -r);
    return nullptr;
  }
  ring->live = true;
  return std::unique_ptr<send_ring>(new send_ring(std::move(ring)));
}

void send_ring::run(size_t n, int* result) {
  if (!ring_) {
    for (size_t i = 0; i < n; ++i)
      result[i] = send_now(slots_[i]);
    return;
  }
  constexpr int unknown = INT_MIN;
  for (size_t i = 0; i < n; ++i) {
    result[i] = unknown;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring); // never null: capacity entries, all reaped
    io_uring_prep_sendmsg(sqe, slots_[i].fd, &slots_[i].msg, send_flags);
    io_uring_sqe_set_data64(sqe, i);
  }
  int submitted;
  do
    submitted = io_uring_submit_and_wait(&ring_->ring, unsigned(n));
  while (submitted == -EINTR); // interrupted before submitting anything
  size_t done = 0;
  while (done < size_t(std::max(submitted, 0))) {
    io_uring_cqe* cqe = nullptr;
    int w = io_uring_wait_cqe(&ring_->ring, &cqe);
    if (w == -EINTR)
      continue;
    if (w < 0) {
      // Cannot happen with a sane ring; the sockets still waiting are
      // failed rather than waited for forever.
      for (size_t i = 0; i < n; ++i)
        if (result[i] == unknown)
          result[i] = -EIO;
      log_once("io_uring stopped completing", -w);
      ring_.reset();
      return;
    }
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring_->ring, head, cqe) {
      result[io_uring_cqe_get_data64(cqe)] = cqe->res;
      ++seen;
    }
    io_uring_cq_advance(&ring_->ring, seen);
    done += seen;
  }
  if (size_t(std::max(submitted, 0)) < n) {
    // The kernel took only part of the slice (out of memory, say): send
    // the rest directly and give the ring up, dropping what it kept.
    log_once("io_uring refused a submission", submitted < 0 ? -submitted : EAGAIN);
    for (size_t i = size_t(std::max(submitted, 0)); i < n; ++i)
      result[i] = send_now(slots_[i]);
    ring_.reset();
  }
}

#else // without the option: a ring is never made

struct send_ring::impl {};

std::unique_ptr<send_ring> send_ring::create() { return nullptr; }

void send_ring::run(size_t n, int* result) {
  for (size_t i = 0; i < n; ++i)
    result[i] = send_now(slots_[i]);
}

#endif

send_ring::send_ring(std::unique_ptr<impl> ring) : ring_(std::move(ring)) {}
send_ring::~send_ring() = default;

} // namespace sb
