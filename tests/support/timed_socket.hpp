#pragma once
// A blocking TCP client socket whose reads and writes give up after
// SO_RCVTIMEO / SO_SNDTIMEO; the next layer of ws_client's Beast stream.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/system_error.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace sb::test {

/// `timeout` as the timeval that SO_RCVTIMEO and hiredis take.
timeval to_timeval(std::chrono::milliseconds timeout);

// Asio's own synchronous reads ignore SO_RCVTIMEO: after the timed-out
// recv() returns EAGAIN they poll() without a timeout and hang. This class
// calls recv()/sendmsg() itself and turns EAGAIN into `timed_out`, so a
// read on a silent server fails after the timeout instead of hanging.
class timed_socket {
public:
  using executor_type = boost::asio::io_context::executor_type;

  explicit timed_socket(boost::asio::io_context& ioc);

  /// Connects to 127.0.0.1:port. `receive_buffer` is applied with SO_RCVBUF
  /// before connecting, so it also bounds the advertised TCP window.
  void connect(uint16_t port, std::chrono::milliseconds timeout,
               std::optional<int> receive_buffer = std::nullopt);

  executor_type get_executor() noexcept { return executor_; }
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
  bool is_open() const noexcept { return socket_.is_open(); }
  /// Half-closes, drains until EOF or timeout, then closes.
  void teardown(boost::beast::error_code& ec);

  // --- Beast SyncReadStream / SyncWriteStream ---
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::beast::error_code& ec) {
    for (auto b : boost::beast::buffers_range_ref(buffers))
      if (b.size() > 0) return recv_some(b.data(), b.size(), ec);
    ec = {};
    return 0;
  }
  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    boost::beast::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec, "read_some");
    return n;
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, boost::beast::error_code& ec) {
    iovec iov[32];
    size_t count = 0;
    for (auto b : boost::beast::buffers_range_ref(buffers)) {
      if (count == 32) break;
      if (b.size() == 0) continue;
      iov[count].iov_base = const_cast<void*>(b.data());
      iov[count].iov_len = b.size();
      ++count;
    }
    return send_some(iov, count, ec);
  }
  template <class ConstBuffers>
  size_t write_some(const ConstBuffers& buffers) {
    boost::beast::error_code ec;
    auto n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec, "write_some");
    return n;
  }

private:
  size_t recv_some(void* data, size_t size, boost::beast::error_code& ec);
  size_t send_some(iovec* iov, size_t count, boost::beast::error_code& ec);

  executor_type executor_;
  boost::asio::ip::tcp::socket socket_;
};

/// Beast's websocket close handshake ends with this (found by ADL).
void teardown(boost::beast::role_type role, timed_socket& socket,
              boost::beast::error_code& ec);

} // namespace sb::test
