// Fuzzes the opening handshake as the server sees it (net/http_session):
// raw request bytes through Beast's parser with the session's limits, then
// our checks on what it parsed: the path, the Origin allow-list
// (net/origin), the upgrade headers and the 101 response (net/ws_handshake),
// the `clients`, `token` and `name` query parameters (net/query) and the
// token cookie. Checked beyond "no crash, no leak": a refused Origin is
// never an absent one, an accepted key gives a 28-character accept key and
// a complete response, and a decoded parameter is never longer than its
// encoding.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/check.hpp"
#include "net/auth.hpp"
#include "net/origin.hpp"
#include "net/query.hpp"
#include "net/ws_handshake.hpp"

using sb::fuzz::check;

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using namespace sb;

void check_origin(const http::request<http::string_body>& req) {
  auto origin = req[http::field::origin];
  auto host = req[http::field::host];
  static const std::vector<std::string> none;
  static const std::vector<std::string> some{"https://app.example.com", "http://localhost:3000"};
  static const std::vector<std::string> any{"*"};
  bool own = origin_allowed(origin, host, none);
  check(!origin.empty() || own);
  check(!own || origin_allowed(origin, host, some)); // adding origins refuses nothing more
  check(origin_allowed(origin, host, any));
}

void check_upgrade_headers(const http::request<http::string_body>& req) {
  auto key = req[http::field::sec_websocket_key];
  auto refused = ws::check_upgrade(req[http::field::host],
                                   req[http::field::sec_websocket_version], key);
  if (refused)
    return;
  check(key.size() == 24);
  auto accept = ws::accept_key(key);
  check(accept.size() == 28);
  auto response = ws::switching_response(key);
  check(response.find(accept) != std::string::npos);
  check(response.size() > 4 && response.substr(response.size() - 4) == "\r\n\r\n");
}

void check_query(std::string_view target) {
  auto path = target_path(target);
  check(path.size() <= target.size());
  for (auto name : {"clients", "token", "name"}) {
    auto value = query_param(target, name);
    check(!value || value->size() <= target.size());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The session's defaults: http.max-header-bytes 8 KiB, no body on /ws.
  http::request_parser<http::string_body> parser;
  parser.header_limit(8192);
  parser.body_limit(65536);
  beast::error_code ec;
  beast::flat_buffer buffer;
  auto n = boost::asio::buffer_copy(buffer.prepare(size), boost::asio::buffer(data, size));
  buffer.commit(n);
  while (buffer.size() > 0 && !parser.is_done()) {
    auto used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more)
      return 0;
    if (ec)
      return 0;
    if (used == 0)
      break;
  }
  if (!parser.is_done())
    return 0;
  auto req = parser.release();
  check_query(req.target());
  check_origin(req);
  if (beast::websocket::is_upgrade(req))
    check_upgrade_headers(req);
  auto token = cookie_value(req[http::field::cookie], "switchboard_token");
  check(!token || token->size() <= req[http::field::cookie].size());
  return 0;
}
