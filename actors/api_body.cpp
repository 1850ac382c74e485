#include "actors/api_body.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/envelope.hpp"

namespace sb {

using nlohmann::json;

namespace {

/// The document when it is a JSON object (depth-guarded), else nullopt.
std::optional<json> object_of(std::string_view body) {
  auto parsed = parse_client_json(body);
  if (parsed.status != client_json::ok || !parsed.value.is_object())
    return std::nullopt;
  return std::move(parsed.value);
}

/// Reads the optional string member `key` into `out`; false when present
/// but not a string.
bool read_text(const json& doc, const char* key, std::string& out) {
  auto i = doc.find(key);
  if (i == doc.end() || i->is_null())
    return true;
  if (!i->is_string())
    return false;
  out = i->get<std::string>();
  return true;
}

std::string not_a_string(const char* key) {
  return std::string{key} + " must be a string";
}

} // namespace

std::variant<publish_body, std::string> parse_publish_body(std::string_view body) {
  auto doc = object_of(body);
  if (!doc)
    return std::string{"the body must be a JSON object"};
  publish_body out;
  for (auto [key, field] : {std::pair{"stream", &out.stream}, std::pair{"client", &out.client},
                            std::pair{"event", &out.event}, std::pair{"strategy", &out.strategy}})
    if (!read_text(*doc, key, *field))
      return not_a_string(key);
  if (auto data = doc->find("data"); data != doc->end())
    out.data = data->dump();
  return out;
}

std::variant<publish_body, std::string> parse_demo_notify_body(std::string_view body) {
  auto doc = object_of(body);
  if (!doc)
    return std::string{"the body must be a JSON object"};
  publish_body out{{}, "notifications", "notification", "streams", "{}"};
  if (!read_text(*doc, "stream", out.stream))
    return not_a_string("stream");
  if (auto data = doc->find("data"); data != doc->end())
    out.data = data->dump();
  return out;
}

std::variant<disconnect_body, std::string> parse_disconnect_body(std::string_view body) {
  auto doc = object_of(body);
  if (!doc)
    return std::string{"the body must be a JSON object"};
  disconnect_body out;
  for (auto [key, field] : {std::pair{"user", &out.user}, std::pair{"socket", &out.socket},
                            std::pair{"origin", &out.origin}})
    if (!read_text(*doc, key, *field))
      return not_a_string(key);
  if (out.user.empty() == out.socket.empty())
    return std::string{"give exactly one of user or socket"};
  return out;
}

} // namespace sb
