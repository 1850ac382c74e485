#include "tests/support/chat_peer.hpp"

#include <atomic>
#include <stdexcept>
#include <utility>

namespace sb::test {

namespace {

void expect(bool ok, const std::string& what, const json& frame) {
  if (!ok) throw std::runtime_error("chat_peer: expected " + what + ", got " + frame.dump());
}

} // namespace

chat_peer::chat_peer(uint16_t port, std::string stream_name, std::string strategy_name,
                     const params& extra, ws_options opts)
  : stream(std::move(stream_name)), strategy(std::move(strategy_name)) {
  ws.connect(port, ws_client::target(json::array({chat_spec(stream, strategy)}), extra),
             std::move(opts));
  welcome = ws.read_json();
  expect(welcome.value("type", "") == "welcome", "welcome", welcome);
  user = welcome.at("user");
  auto h = ws.read_json();
  expect(is_event(h, "history", stream), "history", h);
  history = h.at("data").at("messages");
  // Another socket's joined or left may come first: it joined (or left) a
  // moment before this one, and its event reached this node's topic after
  // this socket did (a busy node's subscriber thread is late, not wrong).
  auto j = ws.read_json();
  while ((is_event(j, "joined", stream) || is_event(j, "left", stream))
         && j.at("data").at("user") != user)
    j = ws.read_json();
  expect(is_event(j, "joined", stream) && j.at("data").at("user") == user, "own joined", j);
}

std::string chat_peer::say(const std::string& text) {
  static std::atomic<int> counter{0};
  auto ref = "say-" + std::to_string(++counter);
  ws.send_json(send_command(stream, text, ref));
  std::string id;
  bool own_message = false;
  while (id.empty() || !own_message) {
    auto f = ws.read_json();
    if (is_error(f, ref)) throw std::runtime_error("chat_peer::say: " + f.dump());
    if (is_ack(f, ref)) id = f.at("id").get<std::string>();
    if (is_event(f, "message", stream) && f.at("data").at("user") == user
        && f.at("data").at("text") == text)
      own_message = true;
  }
  return id;
}

} // namespace sb::test
