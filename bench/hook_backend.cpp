#include "bench/hook_backend.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

namespace bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct hook_backend::impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
};

hook_backend::hook_backend(uint16_t port) : impl_(std::make_unique<impl>()) {
  tcp::endpoint at{asio::ip::make_address("127.0.0.1"), port};
  impl_->acceptor.open(at.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(at);
  impl_->acceptor.listen();
  acceptor_ = std::thread([this] { accept_loop(); });
}

hook_backend::~hook_backend() {
  stopping_ = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR); // wakes accept()
  acceptor_.join();
  std::lock_guard<std::mutex> lock{mutex_};
  for (int fd : fds_)
    ::shutdown(fd, SHUT_RDWR);
  for (auto& t : threads_)
    t.join();
}

void hook_backend::accept_loop() {
  for (;;) {
    auto socket = std::make_shared<tcp::socket>(impl_->ioc);
    boost::system::error_code ec;
    impl_->acceptor.accept(*socket, ec);
    if (ec || stopping_)
      return;
    ++connections_;
    std::lock_guard<std::mutex> lock{mutex_};
    fds_.push_back(socket->native_handle());
    threads_.emplace_back([this, socket] { serve(*socket); });
  }
}

void hook_backend::serve(tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = R"({"broadcast":[{"event":"ping","data":{}}]})";
  res.prepare_payload();
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(socket, buffer, req, ec);
    if (ec)
      return;
    ++hooks_;
    res.keep_alive(req.keep_alive());
    http::write(socket, res, ec);
    if (ec || !req.keep_alive())
      return;
  }
}

} // namespace bench
