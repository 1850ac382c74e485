#include "tests/support/plugin_socket.hpp"

#include <atomic>
#include <stdexcept>

namespace sb::test {

json plugin_spec(const std::string& name, const std::string& stream, const std::string& strategy,
                 const std::string& since) {
  json spec{{"name", name}, {"stream", stream}};
  if (!strategy.empty()) spec["strategy"] = strategy;
  if (!since.empty()) spec["since"] = since;
  return spec;
}

plugin_socket::plugin_socket(uint16_t port, const json& specs, const params& extra)
  : ws(port, ws_client::target(specs, extra)) {
  welcome = ws.read_json();
  if (welcome.value("type", "") != "welcome")
    throw std::runtime_error("plugin_socket: expected welcome, got " + welcome.dump());
  user = welcome.at("user");
}

std::string plugin_socket::send(const std::string& client, const std::string& stream,
                                const std::string& event, const json& data) {
  static std::atomic<int> counter{0};
  auto ref = "p" + std::to_string(++counter);
  ws.send_json({{"client", client}, {"stream", stream}, {"event", event}, {"ref", ref},
                {"data", data}});
  return ref;
}

std::vector<json> plugin_socket::until_answer(const std::string& ref) {
  return ws.read_until([&](const json& f) { return is_ack(f, ref) || is_error(f, ref); });
}

json plugin_socket::command(const std::string& client, const std::string& stream,
                            const std::string& event, const json& data) {
  return until_answer(send(client, stream, event, data)).back();
}

std::vector<json> plugin_socket::until_event(const std::string& client, const std::string& event) {
  return ws.read_until([&](const json& f) { return is_event(f, event, {}, client); });
}

} // namespace sb::test
