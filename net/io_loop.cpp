#include "net/io_loop.hpp"

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
  boost::asio::post(ctx_, [this] { flush_all(); });
}

void io_loop::flush_all() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    flushing_.swap(dirty_);
    posted_ = false;
  }
  for (auto& session : flushing_)
    session->flush();
  flushing_.clear();
}

} // namespace sb
