#include "tests/support/timed_socket.hpp"

#include <sys/time.h>

#include <cerrno>

namespace sb::test {

namespace net = boost::asio;
using boost::beast::error_code;

namespace {

void set_option(int fd, int name, const void* value, socklen_t size) {
  if (::setsockopt(fd, SOL_SOCKET, name, value, size) != 0)
    throw boost::system::system_error(error_code(errno, boost::system::system_category()),
                                      "setsockopt");
}

error_code errno_to_error(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return net::error::timed_out;
  return error_code(err, boost::system::system_category());
}

} // namespace

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return tv;
}

timed_socket::timed_socket(net::io_context& ioc)
  : executor_(ioc.get_executor()), socket_(ioc) {
}

void timed_socket::connect(uint16_t port, std::chrono::milliseconds timeout,
                           std::optional<int> receive_buffer) {
  socket_.open(net::ip::tcp::v4());
  int fd = socket_.native_handle();
  auto tv = to_timeval(timeout);
  set_option(fd, SO_RCVTIMEO, &tv, sizeof tv);
  set_option(fd, SO_SNDTIMEO, &tv, sizeof tv);
  if (receive_buffer)
    set_option(fd, SO_RCVBUF, &*receive_buffer, sizeof(int));
  socket_.connect({net::ip::make_address_v4("127.0.0.1"), port});
  socket_.set_option(net::ip::tcp::no_delay(true));
}

size_t timed_socket::recv_some(void* data, size_t size, error_code& ec) {
  for (;;) {
    auto n = ::recv(socket_.native_handle(), data, size, 0);
    if (n > 0) {
      ec = {};
      return static_cast<size_t>(n);
    }
    if (n == 0) {
      ec = net::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    ec = errno_to_error(errno);
    return 0;
  }
}

size_t timed_socket::send_some(iovec* iov, size_t count, error_code& ec) {
  if (count == 0) {
    ec = {};
    return 0;
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  for (;;) {
    auto n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      ec = {};
      return static_cast<size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = errno_to_error(errno);
    return 0;
  }
}

void timed_socket::teardown(error_code& ec) {
  if (!socket_.is_open()) return;
  ::shutdown(socket_.native_handle(), SHUT_WR);
  char sink[4096];
  error_code read_ec;
  while (recv_some(sink, sizeof sink, read_ec) > 0) {
  }
  socket_.close(ec);
}

void teardown(boost::beast::role_type, timed_socket& socket, error_code& ec) {
  socket.teardown(ec);
}

} // namespace sb::test
