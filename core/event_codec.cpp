#include "core/event_codec.hpp"

#include <nlohmann/json.hpp>

namespace sb {

using nlohmann::json;

std::vector<std::string> entry_fields(std::string_view event, std::string data_json) {
  return {"event", std::string{event}, "data", std::move(data_json)};
}

std::string encode_published(std::string_view event, std::string_view id,
                             std::string_view data_json, const publish_options& opts) {
  std::string out = R"({"event":)";
  out += json(event).dump();
  if (!id.empty())
    out.append(R"(,"id":")").append(id).append("\"");
  if (opts.coalesce)
    out.append(R"(,"coalesce":true)");
  if (opts.max_members > 0)
    out.append(R"(,"max_members":)").append(std::to_string(opts.max_members));
  out.append(R"(,"data":)").append(data_json).append("}");
  return out;
}

std::string encode_published_to(std::string_view event, std::string_view data_json,
                                std::string_view to_user, std::string_view except_socket) {
  auto out = encode_published(event, {}, data_json);
  out.pop_back();
  out += R"(,"to_user":)" + json(to_user).dump() + R"(,"except_socket":)"
         + json(except_socket).dump() + "}";
  return out;
}

bool is_json_text(std::string_view text) {
  return text.find('\0') == std::string_view::npos && json::accept(text);
}

namespace {

/// `text` as a JSON string. Redis hands over any bytes (a backend's
/// PUBLISH or XADD): what is not UTF-8 becomes U+FFFD instead of an
/// exception in the topic that decodes it.
std::string quoted(std::string_view text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Valid UTF-8: bytes that are not become U+FFFD.
std::string utf8_text(std::string_view text) {
  auto q = quoted(text);
  return json::parse(q).get<std::string>();
}

std::string as_json_text(std::string_view text) {
  if (is_json_text(text))
    return std::string{text};
  return quoted(text);
}

} // namespace

decoded_event decode_published(std::string_view payload, std::string_view default_event) {
  // Past a NUL byte the parser stops reading: such a payload is not JSON.
  auto doc = payload.find('\0') == std::string_view::npos ? json::parse(payload, nullptr, false)
                                                           : json(json::value_t::discarded);
  auto ev = doc.is_object() ? doc.find("event") : doc.end();
  if (doc.is_object() && ev != doc.end() && ev->is_string() && doc.contains("data")) {
    decoded_event out;
    out.event = ev->get<std::string>();
    out.data = doc["data"].dump();
    if (auto c = doc.find("coalesce"); c != doc.end() && c->is_boolean())
      out.coalesce = c->get<bool>();
    if (auto m = doc.find("max_members"); m != doc.end() && m->is_number_unsigned())
      out.max_members = m->get<uint64_t>();
    if (auto id = doc.find("id"); id != doc.end() && id->is_string())
      out.id = id->get<std::string>();
    if (auto to = doc.find("to_user"); to != doc.end() && to->is_string())
      out.to_user = to->get<std::string>();
    if (auto ex = doc.find("except_socket"); ex != doc.end() && ex->is_string())
      out.except_socket = ex->get<std::string>();
    return out;
  }
  decoded_event out;
  out.event = std::string{default_event};
  out.data = doc.is_discarded() ? quoted(payload) : std::string{payload};
  return out;
}

decoded_event decode_entry(const stream_entry& entry, std::string_view default_event) {
  decoded_event out;
  out.event = std::string{default_event};
  out.id = entry.id;
  out.data = "null";
  for (size_t i = 0; i + 1 < entry.fields.size(); i += 2) {
    if (entry.fields[i] == "event")
      out.event = utf8_text(entry.fields[i + 1]);
    else if (entry.fields[i] == "data")
      out.data = as_json_text(entry.fields[i + 1]);
  }
  return out;
}

} // namespace sb
