// Fuzzes the JSON bodies of the HTTP API (actors/api_body, PROTOCOL §5):
// /api/publish, /api/demo/notify (no key needed when demo routes are on),
// /api/disconnect, and the disconnect requests nodes publish on the broker.
// Checked beyond "no crash, no leak": a body is either read or refused
// with a reason; a publish's data is valid JSON and so is the payload the
// API would publish; a disconnect names exactly one of user and socket.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "fuzz/check.hpp"
#include "actors/api_body.hpp"
#include "core/event_codec.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

void check_publish(const std::variant<publish_body, std::string>& parsed) {
  if (auto* why = std::get_if<std::string>(&parsed)) {
    check(!why->empty());
    return;
  }
  auto& p = std::get<publish_body>(parsed);
  check(nlohmann::json::accept(p.data));
  check(nlohmann::json::accept(encode_published(p.event, {}, p.data)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  check_publish(parse_publish_body(body));
  check_publish(parse_demo_notify_body(body));
  auto parsed = parse_disconnect_body(body);
  if (auto* d = std::get_if<disconnect_body>(&parsed))
    check(d->user.empty() != d->socket.empty());
  else
    check(!std::get<std::string>(parsed).empty());
  return 0;
}
