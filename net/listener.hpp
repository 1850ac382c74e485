#pragma once
// Accepts incoming TCP connections and launches an http_session for each,
// each on the next event loop. Owned by the server; closed at shutdown.

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <system_error>

namespace sb {

class server;

class listener : public std::enable_shared_from_this<listener> {
public:
  explicit listener(server& srv);

  std::error_code open(const boost::asio::ip::tcp::endpoint& endpoint);
  void run();
  void stop();

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  server& server_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

} // namespace sb
