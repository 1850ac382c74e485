#include "tests/support/http_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace sb::test {

namespace http = boost::beast::http;

params upgrade_headers() {
  return {{"Connection", "Upgrade"},
          {"Upgrade", "websocket"},
          {"Sec-WebSocket-Version", "13"},
          {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
}

namespace {

template <class Request>
http_response round_trip(uint16_t port, Request& req, const params& headers,
                         std::chrono::milliseconds timeout) {
  boost::asio::io_context ioc;
  timed_socket socket(ioc);
  socket.connect(port, timeout);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::connection, "close");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  http_response out;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  boost::beast::error_code ec;
  socket.teardown(ec);
  return out;
}

} // namespace

http_response http_get(uint16_t port, const std::string& target, const params& headers,
                       std::chrono::milliseconds timeout) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  return round_trip(port, req, headers, timeout);
}

http_response http_post(uint16_t port, const std::string& target, const std::string& body,
                        const params& headers, std::chrono::milliseconds timeout) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  return round_trip(port, req, headers, timeout);
}

} // namespace sb::test
