#pragma once
// Reads HTTP requests on one connection under size and time limits and
// answers them: `/healthz`, 404 for unknown paths, 426 for a plain GET on
// the WebSocket path, and hands upgrades to a websocket_session. On the
// metrics port (metrics.port) it serves /metrics, /readyz and /healthz only.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

namespace sb {

class server;

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, server& srv, bool metrics_only = false);

  void run();

private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using response = boost::beast::http::response<boost::beast::http::string_body>;

  void do_read();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void upgrade(const request& req);
  void call_api(const request& req);
  void respond(const request& req);
  bool serve_probe(const request& req, std::string_view path);
  void send(response res);
  void on_write(bool close, boost::beast::error_code ec, size_t bytes);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<response> pending_;
  server& server_;
  bool metrics_only_;
};

} // namespace sb
