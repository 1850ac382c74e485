#include "tests/support/raw_ws.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "tests/support/frames.hpp"
#include "tests/support/ws_client.hpp"

#include <poll.h>

#include <stdexcept>

namespace sb::test {

raw_ws::raw_ws(uint16_t port, const std::string& request, const std::string& extra,
               std::chrono::milliseconds timeout)
  : socket_(ioc_) {
  socket_.connect(port, timeout);
  send(request + extra);
}

std::string raw_ws::upgrade_request(uint16_t port, const std::string& target, bool with_host) {
  std::string out = "GET " + target + " HTTP/1.1\r\n";
  if (with_host)
    out += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  out += "Upgrade: websocket\r\n"
         "Connection: Upgrade\r\n"
         "Sec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  return out;
}

void raw_ws::send(const std::string& bytes) {
  boost::asio::write(socket_, boost::asio::buffer(bytes));
}

void raw_ws::send_and_end(const std::string& bytes) {
  int fd = socket_.socket().native_handle();
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
  send(bytes);
  ::shutdown(fd, SHUT_WR); // the FIN joins the corked bytes
}

void raw_ws::send_in_chops(const std::string& bytes) {
  for (char c : bytes)
    send(std::string(1, c));
}

bool raw_ws::fill() {
  char buffer[65536];
  boost::beast::error_code ec;
  auto n = socket_.read_some(boost::asio::buffer(buffer), ec);
  if (ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
    return false;
  if (ec)
    throw std::runtime_error("raw_ws: read failed: " + ec.message());
  in_.append(buffer, n);
  return true;
}

std::unique_ptr<raw_ws> raw_ws::open_chat(uint16_t port, const std::string& stream,
                                          const std::string& strategy) {
  auto target = ws_client::target(json::array({chat_spec(stream, strategy)}));
  auto ws = std::make_unique<raw_ws>(port, upgrade_request(port, target));
  ws->expect_upgrade();
  auto welcome = ws->read_json();
  if (welcome.value("type", "") != "welcome")
    throw std::runtime_error("raw_ws: expected welcome, got " + welcome.dump());
  ws->user = welcome.at("user");
  auto history = ws->read_json();
  if (!is_event(history, "history", stream))
    throw std::runtime_error("raw_ws: expected history, got " + history.dump());
  // Live events come after the catch-up; other sockets of the stream may
  // join or leave before our own `joined` arrives.
  for (int i = 0; i < 100; ++i) {
    auto f = ws->read_json();
    if (is_event(f, "joined", stream) && f["data"]["user"] == ws->user)
      return ws;
    if (!is_event(f, "joined", stream) && !is_event(f, "left", stream))
      throw std::runtime_error("raw_ws: expected our joined, got " + f.dump());
  }
  throw std::runtime_error("raw_ws: no joined of our own");
}

unsigned raw_ws::read_status() {
  size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos)
    if (!fill())
      throw std::runtime_error("raw_ws: connection closed before the response head");
  auto head = in_.substr(0, end);
  in_.erase(0, end + 4);
  if (head.compare(0, 9, "HTTP/1.1 ") != 0)
    throw std::runtime_error("raw_ws: not an HTTP response: " + head);
  return static_cast<unsigned>(std::stoul(head.substr(9, 3)));
}

void raw_ws::expect_upgrade() {
  auto status = read_status();
  if (status != 101)
    throw std::runtime_error("raw_ws: upgrade answered with " + std::to_string(status));
}

server_frame raw_ws::read_frame() {
  auto need = [this](size_t n) {
    while (in_.size() < n)
      if (!fill())
        throw std::runtime_error("raw_ws: the server closed the connection mid-frame or "
                                 "before one");
  };
  need(2);
  auto b0 = static_cast<uint8_t>(in_[0]);
  auto b1 = static_cast<uint8_t>(in_[1]);
  if (b1 & 0x80)
    throw std::runtime_error("raw_ws: the server sent a masked frame");
  uint64_t len = b1 & 0x7F;
  size_t pos = 2;
  if (len >= 126) {
    size_t bytes = len == 126 ? 2 : 8;
    need(pos + bytes);
    len = 0;
    for (size_t k = 0; k < bytes; ++k)
      len = (len << 8) | static_cast<uint8_t>(in_[pos + k]);
    pos += bytes;
  }
  need(pos + len);
  server_frame f{static_cast<uint8_t>(b0 & 0x0F), (b0 & 0x80) != 0, in_.substr(pos, len)};
  in_.erase(0, pos + len);
  return f;
}

nlohmann::json raw_ws::read_json() {
  for (;;) {
    auto f = read_frame();
    if (f.opcode == 0x9 || f.opcode == 0xA)
      continue;
    if (f.opcode == 0x8)
      throw std::runtime_error("raw_ws: expected a JSON frame, got a Close with "
                               + std::to_string(f.payload.size() >= 2
                                                  ? (static_cast<uint8_t>(f.payload[0]) << 8)
                                                      | static_cast<uint8_t>(f.payload[1])
                                                  : 0));
    if (f.opcode != 0x1)
      throw std::runtime_error("raw_ws: expected a text frame, got opcode "
                               + std::to_string(f.opcode));
    return nlohmann::json::parse(f.payload);
  }
}

server_close raw_ws::expect_close() {
  for (;;) {
    auto f = read_frame();
    if (f.opcode != 0x8)
      continue;
    server_close c;
    if (f.payload.size() >= 2) {
      c.code = static_cast<uint16_t>((static_cast<uint8_t>(f.payload[0]) << 8)
                                     | static_cast<uint8_t>(f.payload[1]));
      c.reason = f.payload.substr(2);
    }
    return c;
  }
}

bool raw_ws::closed_within(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  in_.clear();
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{socket_.socket().native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      continue; // timed out (the loop ends) or interrupted
    if (!fill())
      return true;
    in_.clear();
  }
}

} // namespace sb::test
