#pragma once
// A thin epoll wrapper, level-triggered. Each registration carries a 64-bit
// token (slot and generation, see fleet) instead of a pointer, so an event
// for a socket closed earlier in the same batch is recognised and dropped.

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdint>
#include <ctime>

namespace bench {

class poller {
public:
  static constexpr int batch = 1024;

  poller() : fd_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~poller() { ::close(fd_); }
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool add(int fd, uint32_t events, uint64_t token) { return ctl(EPOLL_CTL_ADD, fd, events, token); }
  bool modify(int fd, uint32_t events, uint64_t token) { return ctl(EPOLL_CTL_MOD, fd, events, token); }
  /// Waits up to timeout_ns (microsecond precision, unlike epoll_wait's
  /// milliseconds: publishers are paced by it); events are in event(0..n-1).
  int wait(uint64_t timeout_ns) {
    timespec ts{time_t(timeout_ns / 1000000000u), long(timeout_ns % 1000000000u)};
    return epoll_pwait2(fd_, events_, batch, &ts, nullptr);
  }
  const epoll_event& event(int i) const { return events_[i]; }

private:
  bool ctl(int op, int fd, uint32_t events, uint64_t token) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(fd_, op, fd, &ev) == 0;
  }
  int fd_;
  epoll_event events_[batch];
};

} // namespace bench
