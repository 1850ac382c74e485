// Fuzzes the command envelope (actors/envelope, PROTOCOL §3): a client's
// text frame parsed by parse_command with its depth guard, then every
// frame the server builds from what it read. Checked beyond "no crash, no
// leak": a parsed command has an object `data` and a string or number (or
// no) `ref`; the error, ack and event frames built from it are valid JSON
// and echo the `ref` as given; a command written back out parses to the
// same command; a subscribe or unsubscribe's entries each get an outcome.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "fuzz/check.hpp"
#include "core/envelope.hpp"
#include "plugins/spec.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;
using nlohmann::json;

json parsed_frame(const std::string& frame) {
  auto doc = json::parse(frame, nullptr, false);
  check(doc.is_object());
  return doc;
}

void check_command(const command& cmd) {
  check(cmd.data.is_object());
  check(cmd.ref.is_null() || cmd.ref.is_string() || cmd.ref.is_number());
  auto err = parsed_frame(error_frame(ec::unknown_client, "no client " + cmd.client, cmd.ref));
  check(cmd.ref.is_null() ? !err.contains("ref") : err["ref"] == cmd.ref);
  auto ack = parsed_frame(ack_frame(cmd.ref, "1718000000000-0"));
  check(ack["ref"] == cmd.ref);
  // What a plugin sends back when the command names a real stream.
  if (valid_stream_name(cmd.stream)) {
    auto ev = parsed_frame(event_frame("chat", cmd.stream, cmd.event, "1-0", cmd.data.dump()));
    check(ev["event"] == cmd.event && ev["data"] == cmd.data);
  }
  // The connection hands ref and data on to the plugin as JSON text.
  json again = {{"client", cmd.client}, {"stream", cmd.stream}, {"event", cmd.event},
                {"data", json::parse(cmd.data.dump())}};
  if (!cmd.ref.is_null())
    again["ref"] = json::parse(cmd.ref.dump());
  auto round = parse_command(again.dump());
  auto* back = std::get_if<command>(&round);
  check(back && back->client == cmd.client && back->stream == cmd.stream
        && back->event == cmd.event && back->ref == cmd.ref && back->data == cmd.data);
}

// A subscribe or unsubscribe (protocol version 2): its entries go through
// the handshake's checks one by one, and the reply names each of them.
void check_control(const control_command& ctl) {
  check(ctl.ref.is_null() || ctl.ref.is_string() || ctl.ref.is_number());
  check(ctl.clients.is_array() && !ctl.clients.empty());
  spec_rules rules;
  rules.max_specs = 3;
  rules.live = 1;
  rules.known_plugin = [](std::string_view name) { return name == "chat"; };
  auto checked = check_specs(ctl.clients, rules);
  check(checked.size() == ctl.clients.size());
  json outcomes = json::array();
  for (auto& c : checked) {
    if (auto* err = std::get_if<spec_error>(&c)) {
      check(!err->message.empty());
      outcomes.push_back({{"name", err->name ? json(*err->name) : json()},
                          {"stream", err->stream ? json(*err->stream) : json()},
                          {"code", std::string{to_string(err->code)}}});
    } else {
      auto& spec = std::get<plugin_spec>(c);
      check(spec.name == "chat" && valid_stream_name(spec.stream));
      outcomes.push_back({{"name", spec.name}, {"stream", spec.stream}, {"ok", true}});
    }
  }
  auto reply = parsed_frame(control_reply_frame(ctl.ref, std::move(outcomes)));
  check(reply["ref"] == ctl.ref && reply["clients"].size() == ctl.clients.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  auto parsed = parse_command(text);
  if (auto* cmd = std::get_if<command>(&parsed)) {
    check_command(*cmd);
    return 0;
  }
  if (auto* ctl = std::get_if<control_command>(&parsed)) {
    check_control(*ctl);
    return 0;
  }
  auto& err = std::get<command_error>(parsed);
  check(!err.message.empty());
  auto frame = parsed_frame(error_frame(err.code, err.message, err.ref));
  check(frame["code"] == std::string{to_string(err.code)});
  return 0;
}
