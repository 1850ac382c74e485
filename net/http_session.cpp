#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include "net/auth.hpp"
#include "core/log.hpp"
#include "net/origin.hpp"
#include "net/peer.hpp"
#include "net/query.hpp"
#include "net/server.hpp"
#include "net/websocket_session.hpp"
#include "net/ws_handshake.hpp"

namespace sb {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

http_session::http_session(asio::ip::tcp::socket&& socket, server& srv, bool metrics_only)
  : stream_(std::move(socket)), server_(srv), metrics_only_(metrics_only) {
}

void http_session::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void http_session::do_read() {
  auto& cfg = server_.config();
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
  parser_->body_limit(cfg.max_body_bytes);
  // A client that trickles its request in cannot hold the socket forever.
  stream_.expires_after(cfg.handshake_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](auto ec, size_t n) { self->on_read(ec, n); });
}

namespace {

http::response<http::string_body> make_response(http::status status, unsigned version,
                                                bool keep_alive, std::string body,
                                                const char* type = "application/json") {
  http::response<http::string_body> res{status, version};
  res.set(http::field::server, "switchboard");
  res.set(http::field::content_type, type);
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string error_body(const char* message) {
  return std::string{R"({"error":")"} + message + "\"}\n";
}

} // namespace

void http_session::on_read(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout)
    return do_close();
  if (ec == http::error::header_limit)
    return send(make_response(http::status::request_header_fields_too_large, 11, false,
                              error_body("request headers too large")));
  if (ec == http::error::body_limit)
    return send(make_response(http::status::payload_too_large, 11, false,
                              error_body("request body too large")));
  if (ec) {
    log::debug("http", "read failed: ", ec.message());
    return do_close();
  }
  auto req = parser_->release();
  auto path = target_path(req.target());
  if (!metrics_only_ && path == server_.config().ws_path && beast::websocket::is_upgrade(req))
    return upgrade(req);
  respond(req);
}

void http_session::upgrade(const request& req) {
  auto origin = req[http::field::origin];
  if (!origin_allowed(origin, req[http::field::host], server_.config().allowed_origins)) {
    boost::system::error_code ec;
    auto remote = endpoint_text(stream_.socket().remote_endpoint(ec));
    log::info("http", log::fields{{}, {}, remote}, "refused an upgrade from origin ", origin,
              " for host ", req[http::field::host]);
    return send(make_response(http::status::forbidden, req.version(), false,
                              error_body("origin not allowed")));
  }
  auto key = req[http::field::sec_websocket_key];
  if (auto err = ws::check_upgrade(req[http::field::host], req[http::field::sec_websocket_version],
                                   key)) {
    auto res = make_response(http::status::bad_request, req.version(), false,
                             error_body(err->c_str()));
    res.set(http::field::sec_websocket_version, "13");
    return send(std::move(res));
  }
  stream_.expires_never();
  // Bytes the client sent after its request belong to the WebSocket.
  auto early = beast::buffers_to_string(buffer_.data());
  upgrade_info info{std::string{req.target()},
                    cookie_value(req[http::field::cookie], "switchboard_token").value_or("")};
  std::make_shared<websocket_session>(stream_.release_socket(), server_)
    ->run(std::move(info), key, std::move(early));
}

/// /healthz everywhere; /metrics and /readyz on the port that has them.
bool http_session::serve_probe(const request& req, std::string_view path) {
  auto keep = req.keep_alive();
  if (path == "/healthz") {
    send(make_response(http::status::ok, req.version(), keep, "ok\n", "text/plain"));
    return true;
  }
  bool here = metrics_only_ || server_.config().metrics_port == 0;
  if (here && path == "/metrics") {
    send(make_response(http::status::ok, req.version(), keep, server_.metrics_text(),
                       "text/plain; version=0.0.4"));
    return true;
  }
  if (here && path == "/readyz") {
    if (server_.ready())
      send(make_response(http::status::ok, req.version(), keep, "ready\n", "text/plain"));
    else
      send(make_response(http::status::service_unavailable, req.version(), keep,
                         error_body("the broker is unavailable")));
    return true;
  }
  return false;
}

void http_session::respond(const request& req) {
  auto path = target_path(req.target());
  auto keep = req.keep_alive();
  if (serve_probe(req, path))
    return;
  if (metrics_only_)
    return send(make_response(http::status::not_found, req.version(), keep,
                              error_body("not found")));
  if (path.substr(0, 5) == "/api/")
    return call_api(req);
  if (path == server_.config().ws_path)
    return send(make_response(http::status::upgrade_required, req.version(), keep,
                              error_body("this path needs a WebSocket upgrade")));
  if (req.method() == http::verb::get)
    if (auto file = server_.files().find(path))
      return send(make_response(http::status::ok, req.version(), keep, std::move(file->body),
                                file->content_type.c_str()));
  send(make_response(http::status::not_found, req.version(), keep, error_body("not found")));
}

void http_session::call_api(const request& req) {
  if (!server_.api())
    return send(make_response(http::status::not_found, req.version(), req.keep_alive(),
                              error_body("not found")));
  api_request areq{std::string{req.method_string()}, std::string{req.target()}, req.body(),
                   std::string{req[http::field::authorization]}};
  auto respond = [self = shared_from_this(), version = req.version(),
                  keep = req.keep_alive()](unsigned status, std::string body) {
    asio::post(self->stream_.get_executor(), [self, status, version, keep,
                                              body = std::move(body)]() mutable {
      self->send(make_response(static_cast<http::status>(status), version, keep,
                               std::move(body) + "\n"));
    });
  };
  server_.api()(areq, std::move(respond));
}

void http_session::send(response res) {
  pending_ = std::make_shared<response>(std::move(res));
  http::async_write(stream_, *pending_,
                    [self = shared_from_this(), close = pending_->need_eof()](auto ec, size_t n) {
                      self->on_write(close, ec, n);
                    });
}

void http_session::on_write(bool close, beast::error_code ec, size_t) {
  pending_.reset();
  if (ec || close)
    return do_close();
  do_read();
}

void http_session::do_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

} // namespace sb
