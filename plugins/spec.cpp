#include "plugins/spec.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "core/envelope.hpp"

namespace sb {

using nlohmann::json;

namespace {

std::optional<std::string> string_field(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return std::nullopt;
  return i->get<std::string>();
}

spec_error fail(const json& obj, ec code, std::string message) {
  return {string_field(obj, "name"), string_field(obj, "stream"), code, std::move(message)};
}

std::variant<plugin_spec, spec_error> parse_strategy(const json& obj, plugin_spec spec) {
  auto i = obj.find("strategy");
  if (i != obj.end()) {
    auto text = i->is_string() ? i->get<std::string>() : std::string{};
    if (text == "streams")
      spec.strategy = strategy::streams;
    else if (text != "pub-sub")
      return fail(obj, ec::invalid_strategy, "strategy must be \"pub-sub\" or \"streams\"");
  }
  auto s = obj.find("since");
  if (s == obj.end() || s->is_null())
    return spec;
  if (spec.strategy != strategy::streams)
    return fail(obj, ec::invalid_frame, "since needs strategy \"streams\"");
  auto id = s->is_string() ? stream_id::parse(s->get<std::string>()) : std::nullopt;
  if (!id)
    return fail(obj, ec::invalid_frame, "since must be a stream id like \"1718000000000-0\"");
  spec.since = *id;
  return spec;
}

std::variant<plugin_spec, spec_error> parse_spec(const json& obj, const spec_rules& rules) {
  auto name = string_field(obj, "name");
  if (!name || !rules.known_plugin(*name))
    return fail(obj, ec::unknown_plugin,
                name ? "no plugin named \"" + *name + "\"" : "name must be a plugin name");
  auto stream = string_field(obj, "stream");
  if (!stream || !valid_stream_name(*stream))
    return fail(obj, ec::invalid_stream,
                "stream must be 1..200 characters of [A-Za-z0-9_.:-]");
  if (!rules.permitted(*stream))
    return fail(obj, ec::forbidden, "not permitted to attach to " + *stream);
  return parse_strategy(obj, plugin_spec{*name, *stream, strategy::pub_sub, caf::none});
}

} // namespace

std::vector<spec_check> check_specs(const json& entries, const spec_rules& rules) {
  std::vector<spec_check> out;
  std::set<std::pair<std::string, std::string>> seen;
  size_t accepted = 0; // the limit counts specs that would run, live ones included
  for (auto& entry : entries) {
    auto parsed = parse_spec(entry, rules);
    if (auto spec = std::get_if<plugin_spec>(&parsed)) {
      bool twice = !seen.emplace(spec->name, spec->stream).second
                   || (rules.taken && rules.taken(spec->name, spec->stream));
      if (twice)
        parsed = fail(entry, ec::invalid_frame,
                      "duplicate client " + spec->name + " on " + spec->stream);
      else if (rules.live + accepted >= rules.max_specs)
        parsed = fail(entry, ec::too_large,
                      "at most " + std::to_string(rules.max_specs) + " clients per socket");
      else
        ++accepted;
    }
    out.push_back(std::move(parsed));
  }
  return out;
}

std::variant<parsed_clients, clients_rejected>
parse_clients(const std::optional<std::string>& value, const spec_rules& rules) {
  if (rules.allow_empty && (!value || value->empty()))
    return parsed_clients{};
  if (!value || value->empty())
    return clients_rejected{"No clients specified"};
  auto parsed = parse_client_json(*value);
  if (parsed.status == client_json::too_deep)
    return clients_rejected{"Invalid clients: nested deeper than "
                            + std::to_string(max_json_depth) + " levels"};
  if (parsed.status != client_json::ok)
    return clients_rejected{"Invalid clients: not valid JSON"};
  auto& doc = parsed.value;
  if (!doc.is_array())
    return clients_rejected{"Invalid clients: expected a JSON array"};
  if (doc.empty() && !rules.allow_empty)
    return clients_rejected{"No clients specified"};
  for (auto& x : doc)
    if (!x.is_object())
      return clients_rejected{"Invalid clients: every entry must be an object"};
  parsed_clients result;
  for (auto& check : check_specs(doc, rules)) {
    if (auto err = std::get_if<spec_error>(&check))
      result.errors.push_back(std::move(*err));
    else
      result.specs.push_back(std::get<plugin_spec>(std::move(check)));
  }
  return result;
}

} // namespace sb
