#include "tests/support/ws_client.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <cctype>
#include <stdexcept>

namespace sb::test {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using nlohmann::json;

ws_client::ws_client() = default;

ws_client::ws_client(uint16_t port, const std::string& target, ws_options opts) {
  connect(port, target, std::move(opts));
}

ws_client::~ws_client() {
  if (!ws_) return;
  beast::error_code ec;
  ws_->next_layer().socket().close(ec);
}

void ws_client::connect(uint16_t port, const std::string& target, ws_options opts) {
  ws_ = std::make_unique<stream>(ioc_);
  ws_->next_layer().connect(port, opts.timeout, opts.receive_buffer);
  // One message is one frame, so frame-size limits are tested exactly.
  ws_->auto_fragment(false);
  ws_->read_message_max(64 * 1024 * 1024);
  ws_->set_option(websocket::stream_base::decorator(
    [headers = opts.headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers)
        req.set(name, value);
    }));
  pings_ = 0;
  ws_->control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) ++pings_;
  });
  beast::error_code ec;
  ws_->handshake("127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) throw std::runtime_error("websocket upgrade of " + target + " failed: " + ec.message());
}

void ws_client::fail(const char* what, const beast::error_code& ec) {
  if (ec == websocket::error::closed) {
    auto r = ws_->reason();
    std::string reason(r.reason.data(), r.reason.size());
    throw std::runtime_error(std::string(what) + ": server closed the socket with "
                             + std::to_string(r.code) + " '" + reason + "'");
  }
  if (ec == boost::asio::error::timed_out)
    throw std::runtime_error(std::string(what) + ": timed out");
  throw std::runtime_error(std::string(what) + ": " + ec.message());
}

// --- writing ---

void ws_client::send_text(const std::string& text) {
  beast::error_code ec;
  ws_->text(true);
  ws_->write(boost::asio::buffer(text), ec);
  if (ec) fail("send_text", ec);
}

void ws_client::send_json(const json& frame) {
  send_text(frame.dump());
}

void ws_client::send_binary(const std::string& bytes) {
  beast::error_code ec;
  ws_->binary(true);
  ws_->write(boost::asio::buffer(bytes), ec);
  ws_->text(true);
  if (ec) fail("send_binary", ec);
}

// --- reading ---

std::string ws_client::read_text() {
  beast::flat_buffer buffer;
  beast::error_code ec;
  ws_->read(buffer, ec);
  if (ec) fail("read_text", ec);
  if (!ws_->got_text()) throw std::runtime_error("read_text: got a binary frame");
  return beast::buffers_to_string(buffer.data());
}

json ws_client::read_json() {
  auto text = read_text();
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error("read_json: not JSON (" + std::string(e.what()) + "): " +
                             text.substr(0, 200));
  }
}

std::vector<json> ws_client::read_until(const std::function<bool(const json&)>& pred,
                                        size_t max_frames) {
  std::vector<json> frames;
  while (frames.size() < max_frames) {
    frames.push_back(read_json());
    if (pred(frames.back())) return frames;
  }
  std::string last = frames.empty() ? "" : frames.back().dump().substr(0, 300);
  throw std::runtime_error("read_until: no matching frame in " + std::to_string(max_frames) +
                           " frames; last: " + last);
}

std::vector<json> ws_client::read_n(size_t n) {
  std::vector<json> frames;
  while (frames.size() < n)
    frames.push_back(read_json());
  return frames;
}

close_result ws_client::expect_close(size_t max_frames) {
  close_result result;
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    ws_->read(buffer, ec);
    if (ec == websocket::error::closed) {
      auto r = ws_->reason();
      result.code = static_cast<uint16_t>(r.code);
      result.reason = std::string(r.reason.data(), r.reason.size());
      return result;
    }
    if (ec) fail("expect_close", ec);
    buffer.clear();
    if (++result.frames_before > max_frames)
      throw std::runtime_error("expect_close: no close after " + std::to_string(max_frames) +
                               " frames");
  }
}

void ws_client::close(uint16_t code) {
  beast::error_code ec;
  ws_->close(websocket::close_reason(code), ec);
  // Beast's close() reads and drops frames until the server's close reply.
  if (ec && ec != websocket::error::closed) fail("close", ec);
}

bool ws_client::is_open() const {
  return ws_ && ws_->is_open();
}

// --- targets ---

std::string ws_client::url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string ws_client::target(const params& query, const std::string& path) {
  std::string out = path;
  char sep = '?';
  for (const auto& [key, value] : query) {
    out += sep + url_encode(key) + '=' + url_encode(value);
    sep = '&';
  }
  return out;
}

std::string ws_client::target(const json& clients, const params& extra, const std::string& path) {
  params query{{"clients", clients.dump()}};
  query.insert(query.end(), extra.begin(), extra.end());
  return target(query, path);
}

} // namespace sb::test
