#include "actors/envelope.hpp"

namespace sb {

using nlohmann::json;

namespace {

bool valid_ref(const json& ref) {
  return ref.is_null() || ref.is_string() || ref.is_number();
}

std::optional<std::string> string_member(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return std::nullopt;
  return i->get<std::string>();
}

} // namespace

std::variant<command, command_error> parse_command(std::string_view text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded())
    return command_error{ec::invalid_json, "frame is not valid JSON", nullptr};
  if (!doc.is_object())
    return command_error{ec::invalid_frame, "frame must be a JSON object", nullptr};
  json ref = doc.contains("ref") ? doc["ref"] : json();
  if (!valid_ref(ref))
    return command_error{ec::invalid_frame, "ref must be a string or a number", nullptr};
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

std::string event_frame(std::string_view client, std::string_view stream, std::string_view event,
                        std::string_view id, std::string_view data_json) {
  auto event_json = json(event).dump();
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
