#include "net/io_loop.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "net/websocket_session.hpp"

namespace sb {

void io_loop::start() {
  poller_.start();
  thread_ = std::thread([this] {
    ring_ = send_ring::create(); // made by the thread that submits to it
    auto guard = boost::asio::make_work_guard(ctx_);
    ctx_.run();
  });
}

void io_loop::stop() {
  ctx_.stop();
  if (thread_.joinable())
    thread_.join();
}

void io_loop::schedule_flush(std::shared_ptr<websocket_session> session) {
  std::lock_guard<std::mutex> guard{mutex_};
  dirty_.push_back(std::move(session));
  if (posted_)
    return;
  posted_ = true;
  boost::asio::post(ctx_, [this] { flush_some(); });
}

// Flushes a slice of the scheduled sessions per handler and posts itself
// for the next slice: between two handlers asio polls the sockets, so a
// publisher's next message is read within one slice of a 1,000-socket
// broadcast instead of after all of it. Sessions scheduled meanwhile join
// the next pass; `posted_` stays set until a pass finds nothing to do.
void io_loop::flush_some() {
  if (next_ == flushing_.size()) {
    flushing_.clear();
    next_ = 0;
    std::lock_guard<std::mutex> guard{mutex_};
    if (dirty_.empty()) {
      posted_ = false;
      return;
    }
    flushing_.swap(dirty_);
  }
  auto end = std::min(flushing_.size(), next_ + flush_slice);
  if (ring_) {
    flush_through_ring(end);
  } else {
    for (; next_ < end; ++next_) {
      flushing_[next_]->flush();
      flushing_[next_].reset();
    }
  }
  boost::asio::post(ctx_, [this] { flush_some(); });
}

// Each session's first batch goes into a ring slot; one submission sends
// them all, and each result is handled as the session's own sendmsg
// would be. A session with more than one batch queued writes the rest
// itself. flushing_ keeps the sessions, and so their frames, alive until
// then. A session is marked as waiting to write while its send is in the
// ring, so that it is never in two slots at once.
void io_loop::flush_through_ring(size_t end) {
  websocket_session* sending[flush_slice];
  size_t bytes[flush_slice];
  size_t n = 0;
  for (size_t i = next_; i < end; ++i) {
    auto* session = flushing_[i].get();
    auto& slot = ring_->at(n);
    if (!session->take_queued() || !session->next_batch(slot.msg, slot.iov, bytes[n]))
      continue;
    slot.fd = session->native_handle();
    session->write_waiting_ = true;
    sending[n++] = session;
  }
  int result[flush_slice];
  ring_->run(n, result);
  for (size_t i = 0; i < n; ++i) {
    sending[i]->write_waiting_ = false;
    if (sending[i]->written(result[i], bytes[i]))
      sending[i]->do_write();
  }
  for (; next_ < end; ++next_)
    flushing_[next_].reset();
}

} // namespace sb
