#include "plugins/backend_hook.hpp"

#include <nlohmann/json.hpp>

namespace sb {

using nlohmann::json;

namespace {

constexpr ec answer_codes[] = {ec::invalid_frame, ec::forbidden, ec::rate_limited,
                               ec::too_large,     ec::unavailable, ec::internal};

std::optional<ec> code_named(const std::string& name) {
  for (auto c : answer_codes)
    if (to_string(c) == name)
      return c;
  return std::nullopt;
}

std::variant<std::vector<hook_event>, std::string> read_events(const json& doc, const char* field) {
  std::vector<hook_event> out;
  auto i = doc.find(field);
  if (i == doc.end() || i->is_null())
    return out;
  if (!i->is_array())
    return std::string{field} + " must be a list of {\"event\", \"data\"}";
  for (auto& e : *i) {
    auto name = e.is_object() ? e.find("event") : e.end();
    if (!e.is_object() || name == e.end() || !name->is_string()
        || !valid_event_name(name->get_ref<const std::string&>()))
      return std::string{field} + ": every item needs an \"event\" name (1..64 of [A-Za-z0-9_.:-])";
    auto data = e.find("data");
    out.push_back({name->get<std::string>(),
                   data == e.end() ? "{}" : data->dump(-1, ' ', false, json::error_handler_t::replace)});
  }
  return out;
}

std::optional<std::string> read_error(const json& doc, hook_answer& out) {
  auto err = doc.find("error");
  if (err == doc.end() || err->is_null())
    return std::nullopt;
  auto code = err->is_object() ? err->find("code") : err->end();
  if (!err->is_object() || code == err->end() || !code->is_string()
      || !code_named(code->get<std::string>()))
    return "error must be {\"code\": one of invalid_frame, forbidden, rate_limited, too_large, "
           "unavailable, internal, \"message\": ...}";
  out.error = code_named(code->get<std::string>());
  auto message = err->find("message");
  if (message != err->end() && message->is_string())
    out.message = message->get<std::string>();
  return std::nullopt;
}

} // namespace

std::string hook_body(std::string_view hook, const plugin_context& ctx, std::string_view event,
                      std::string_view ref_json, std::string_view data_json) {
  json body = {{"hook", hook},
               {"plugin", ctx.spec.name},
               {"socket", ctx.socket_id()},
               {"user", {{"id", ctx.user().id}, {"name", ctx.user().name}}},
               {"stream", ctx.spec.stream},
               {"strategy", to_string(ctx.spec.strategy)},
               {"event", event.empty() ? json() : json(event)},
               {"ref", json::parse(ref_json, nullptr, false)},
               {"data", json::parse(data_json, nullptr, false)}};
  for (auto* field : {"ref", "data"})
    if (body[field].is_discarded())
      body[field] = nullptr;
  if (ctx.spec.since)
    body["since"] = ctx.spec.since->str();
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::variant<hook_answer, std::string> parse_hook_answer(std::string_view body) {
  hook_answer out;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return out;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded())
    return std::string{"not JSON"};
  if (!doc.is_object())
    return std::string{"not a JSON object"};
  if (auto accept = doc.find("accept"); accept != doc.end()) {
    if (!accept->is_boolean())
      return std::string{"accept must be true or false"};
    out.accept = accept->get<bool>();
  }
  if (auto message = doc.find("message"); message != doc.end() && message->is_string())
    out.message = message->get<std::string>();
  if (auto why = read_error(doc, out))
    return *why;
  using field_list = std::pair<const char*, std::vector<hook_event>*>;
  for (auto [field, list] : {field_list{"reply", &out.reply}, field_list{"broadcast", &out.broadcast}}) {
    auto events = read_events(doc, field);
    if (auto why = std::get_if<std::string>(&events))
      return *why;
    *list = std::get<std::vector<hook_event>>(std::move(events));
  }
  return out;
}

} // namespace sb
