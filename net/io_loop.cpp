#include "net/io_loop.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "net/websocket_session.hpp"

namespace sb {

void io_loop::start() {
  thread_ = std::thread([this] {
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
  for (; next_ < end; ++next_) {
    flushing_[next_]->flush();
    flushing_[next_].reset();
  }
  boost::asio::post(ctx_, [this] { flush_some(); });
}

} // namespace sb
