#include "core/envelope.hpp"

namespace sb {

using nlohmann::json;

namespace {

/// nlohmann's DOM builder, refusing to open one level too many. Returning
/// false from a SAX event stops the parser where it is.
class depth_limited_sax {
public:
  explicit depth_limited_sax(json& out) : dom_(out, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool start_object(std::size_t n) { return deeper() && dom_.start_object(n); }
  bool end_object() { return --depth_, dom_.end_object(); }
  bool start_array(std::size_t n) { return deeper() && dom_.start_array(n); }
  bool end_array() { return --depth_, dom_.end_array(); }
  bool parse_error(std::size_t pos, const std::string& token,
                   const nlohmann::detail::exception& ex) {
    return dom_.parse_error(pos, token, ex);
  }

  bool too_deep = false;

private:
  bool deeper() {
    if (++depth_ <= max_json_depth)
      return true;
    too_deep = true;
    return false;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t depth_ = 0;
};

bool valid_ref(const json& ref) {
  return ref.is_null() || ref.is_string() || ref.is_number();
}

std::optional<std::string> string_member(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return std::nullopt;
  return i->get<std::string>();
}

std::variant<command, control_command, command_error> parse_control(nlohmann::json& doc,
                                                                    nlohmann::json ref) {
  auto type = string_member(doc, "type");
  if (type != "subscribe" && type != "unsubscribe")
    return command_error{ec::invalid_frame, "type must be \"subscribe\" or \"unsubscribe\"",
                         ref};
  auto clients = doc.find("clients");
  bool ok = clients != doc.end() && clients->is_array() && !clients->empty();
  for (size_t i = 0; ok && i < clients->size(); ++i)
    ok = (*clients)[i].is_object();
  if (!ok)
    return command_error{ec::invalid_frame, "clients must be a non-empty array of objects", ref};
  return control_command{type == "subscribe" ? control_command::subscribe
                                             : control_command::unsubscribe,
                         std::move(ref), std::move(*clients)};
}

} // namespace

client_json parse_client_json(std::string_view text) {
  client_json out;
  depth_limited_sax sax{out.value};
  // The parser takes a NUL byte for the end: `{...}`, a NUL and anything
  // after it would pass for one document (core/event_codec's is_json_text).
  if (text.find('\0') == std::string_view::npos && json::sax_parse(text, &sax)) {
    out.status = client_json::ok;
    return out;
  }
  out.status = sax.too_deep ? client_json::too_deep : client_json::invalid;
  out.value = json(json::value_t::discarded);
  return out;
}

std::variant<command, control_command, command_error> parse_command(std::string_view text) {
  auto parsed = parse_client_json(text);
  if (parsed.status == client_json::too_deep)
    return command_error{ec::invalid_frame,
                         "frame is nested deeper than " + std::to_string(max_json_depth)
                           + " levels",
                         nullptr};
  if (parsed.status != client_json::ok)
    return command_error{ec::invalid_json, "frame is not valid JSON", nullptr};
  auto& doc = parsed.value;
  if (!doc.is_object())
    return command_error{ec::invalid_frame, "frame must be a JSON object", nullptr};
  json ref = doc.contains("ref") ? doc["ref"] : json();
  if (!valid_ref(ref))
    return command_error{ec::invalid_frame, "ref must be a string or a number", nullptr};
  if (doc.contains("type"))
    return parse_control(doc, std::move(ref));
  auto client = string_member(doc, "client");
  auto stream = string_member(doc, "stream");
  auto event = string_member(doc, "event");
  if (!client || !stream || !event)
    return command_error{ec::invalid_frame, "client, stream and event must be strings", ref};
  json data = json::object();
  if (auto i = doc.find("data"); i != doc.end() && !i->is_null()) {
    if (!i->is_object())
      return command_error{ec::invalid_frame, "data must be an object", ref};
    data = std::move(*i);
  }
  return command{std::move(*client), std::move(*stream), std::move(*event), std::move(ref),
                 std::move(data)};
}

std::string error_frame(ec code, std::string_view message, const json& ref,
                        const std::optional<std::string>& client,
                        const std::optional<std::string>& stream) {
  json out = {{"type", "error"}};
  if (!ref.is_null())
    out["ref"] = ref;
  if (client)
    out["client"] = *client;
  if (stream)
    out["stream"] = *stream;
  out["code"] = to_string(code);
  out["message"] = message;
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ack_frame(const json& ref, std::string_view id) {
  json out = {{"type", "ack"}, {"ref", ref}};
  if (!id.empty())
    out["id"] = id;
  return out.dump();
}

std::string control_reply_frame(const json& ref, json outcomes) {
  json out = {{"type", "ack"}, {"ref", ref}, {"clients", std::move(outcomes)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string event_frame(std::string_view client, std::string_view stream, std::string_view event,
                        std::string_view id, std::string_view data_json) {
  // Event names from the broker may hold any bytes: never throw on them.
  auto event_json = json(event).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(64 + client.size() + stream.size() + event_json.size() + id.size()
              + data_json.size());
  out.append(R"({"client":")").append(client);
  out.append(R"(","stream":")").append(stream);
  out.append(R"(","event":)").append(event_json);
  if (!id.empty())
    out.append(R"(,"id":")").append(id).append("\"");
  out.append(R"(,"data":)").append(data_json).append("}");
  return out;
}

} // namespace sb
