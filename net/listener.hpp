#pragma once
// Accepts incoming TCP connections and launches an http_session for each,
// each on the next event loop. Owned by the server; closed at shutdown.
// The server has one for http.port and, with metrics.port set, one that
// serves only /metrics, /readyz and /healthz.

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <system_error>

namespace sb {

class server;

class listener : public std::enable_shared_from_this<listener> {
public:
  explicit listener(server& srv, bool metrics_only = false);

  std::error_code open(const boost::asio::ip::tcp::endpoint& endpoint);
  void run();
  void stop();

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  server& server_;
  bool metrics_only_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

} // namespace sb
