#include "net/listener.hpp"

#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "net/http_session.hpp"
#include "net/server.hpp"

namespace sb {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

listener::listener(server& srv, bool metrics_only)
  : server_(srv), metrics_only_(metrics_only), acceptor_(srv.first_loop().context()) {
}

std::error_code listener::open(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

void listener::run() {
  do_accept();
}

void listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void listener::do_accept() {
  // Each connection lives on one loop (one thread): no strand needed.
  acceptor_.async_accept(server_.next_loop().context(),
                         [self = shared_from_this()](auto ec, tcp::socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return;
  if (ec) {
    // Out of descriptors, typically: keep accepting, others may close.
    log::warning("listener", "accept failed: ", ec.message());
  } else {
    // Without it the kernel holds a small frame back (Nagle) while an
    // earlier one is unacknowledged: ~40 ms on every ack + message pair.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<http_session>(std::move(socket), server_, metrics_only_)->run();
  }
  do_accept();
}

} // namespace sb
