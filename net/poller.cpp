#include "net/poller.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <system_error>

namespace sb {

namespace {

int make_epoll() {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "epoll_create1");
  return fd;
}

bool control(int epoll, int op, int fd, uint32_t events, poller::watcher* w) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = w;
  return ::epoll_ctl(epoll, op, fd, &ev) == 0;
}

} // namespace

poller::poller(boost::asio::io_context& ctx) : epoll_(ctx, make_epoll()) {}

void poller::start() {
  wait();
}

void poller::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  epoll_.cancel(ignored);
}

bool poller::watch(int fd, watcher& w) {
  return control(epoll_.native_handle(), EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP | EPOLLET, &w);
}

// Output is watched only from the first full socket buffer on, as asio
// does: most sockets never fill theirs. The kernel signals space only to a
// socket whose send found its buffer full, so acknowledgements wake none
// that did not wait.
bool poller::watch_output(int fd, watcher& w) {
  return control(epoll_.native_handle(), EPOLL_CTL_MOD, fd,
                 EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &w);
}

void poller::forget(int fd, watcher& w) {
  control(epoll_.native_handle(), EPOLL_CTL_DEL, fd, 0, nullptr);
  for (int i = next_; i < count_; ++i)
    if (ready_[i].data.ptr == &w)
      ready_[i].data.ptr = nullptr;
}

void poller::wait() {
  if (stopped_)
    return;
  epoll_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this](boost::system::error_code ec) {
                      if (!ec)
                        drain();
                    });
}

void poller::drain() {
  count_ = ::epoll_wait(epoll_.native_handle(), ready_, batch, 0);
  for (next_ = 0; next_ < count_;) {
    auto& ev = ready_[next_++];
    if (ev.data.ptr)
      static_cast<watcher*>(ev.data.ptr)->on_ready(ev.events);
  }
  // A full batch may have left events behind, and they bring no new edge
  // for asio to see (nor do those an interrupted wait left): look again
  // after the handlers already queued.
  bool again = count_ == batch || (count_ < 0 && errno == EINTR);
  count_ = next_ = 0;
  if (again && !stopped_)
    boost::asio::post(epoll_.get_executor(), [this] { drain(); });
  else
    wait();
}

} // namespace sb
