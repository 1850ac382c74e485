// Protocol version 2 on an open socket: `subscribe` adds specs with exactly
// the checks and the open/start sequence of the handshake, `unsubscribe`
// closes plugins and answers once they are down. A plugin is down only after
// its topic let go of it, so no event of an unsubscribed spec follows the
// reply. One control command runs at a time; frames after it wait in
// `early` (as before welcome) and run, in order, once its reply went out.

#include <algorithm>
#include <caf/all.hpp>

#include "actors/connection.hpp"
#include "core/envelope.hpp"
#include "core/metrics.hpp"

namespace sb {

using nlohmann::json;

namespace {

json outcome_error(const std::string& name, const std::string& stream, const spec_error& e) {
  json out = json::object();
  if (!name.empty())
    out["name"] = name;
  if (!stream.empty())
    out["stream"] = stream;
  out["ok"] = false;
  out["code"] = to_string(e.code);
  out["message"] = e.message;
  return out;
}

std::optional<std::string> text_member(const json& obj, const char* key) {
  auto i = obj.find(key);
  if (i == obj.end() || !i->is_string())
    return std::nullopt;
  return i->get<std::string>();
}

} // namespace

void connection_state::on_control(control_command cmd) {
  metrics::global().command("", cmd.type == control_command::subscribe ? "subscribe"
                                                                        : "unsubscribe");
  control = std::make_unique<control_op>();
  control->ref_json = cmd.ref.dump();
  control->subscribe = cmd.type == control_command::subscribe;
  if (control->subscribe)
    subscribe(cmd);
  else
    unsubscribe(cmd);
}

// --- subscribe -----------------------------------------------------------------------

void connection_state::subscribe(const control_command& cmd) {
  auto rules = rules_for_specs();
  rules.live = routes.size();
  rules.taken = [this](const std::string& name, const std::string& stream) {
    return routes.count(std::make_pair(name, stream)) > 0;
  };
  std::vector<plugin_spec> specs;
  for (auto& check : check_specs(cmd.clients, rules)) {
    control_op::entry e;
    if (auto err = std::get_if<spec_error>(&check)) {
      e.name = err->name.value_or("");
      e.stream = err->stream.value_or("");
      e.error = std::move(*err);
    } else {
      auto& spec = std::get<plugin_spec>(check);
      e.name = spec.name;
      e.stream = spec.stream;
      e.slot = specs.size();
      specs.push_back(std::move(spec));
    }
    control->entries.push_back(std::move(e));
  }
  slots().clear();
  if (specs.empty())
    return on_subscribe_opened();
  open_plugins(std::move(specs)); // -> on_open_done() -> on_subscribe_opened()
}

// Every spec opened or failed: the reply, then each new client's catch-up
// in order (start_next), then live events and the frames that waited.
void connection_state::on_subscribe_opened() {
  for (auto& e : control->entries) {
    if (!e.slot)
      continue;
    auto& s = slots()[*e.slot];
    if (s.failed) {
      e.error = *s.failed;
      continue;
    }
    routes.emplace(std::make_pair(s.spec.name, s.spec.stream), s.plugin);
    count(metrics::global().specs_subscribed);
  }
  reply_control();
  start_next(0); // -> finish_control()
}

// --- unsubscribe -----------------------------------------------------------------------

void connection_state::unsubscribe(const control_command& cmd) {
  for (auto& entry : cmd.clients) {
    control_op::entry e;
    auto name = text_member(entry, "name");
    auto stream = text_member(entry, "stream");
    e.name = name.value_or("");
    e.stream = stream.value_or("");
    auto route = name && stream ? routes.find(std::make_pair(*name, *stream)) : routes.end();
    if (!name || !stream) {
      e.error = spec_error{name, stream, ec::invalid_frame, "name and stream must be strings"};
    } else if (route == routes.end()) {
      e.error = spec_error{name, stream, ec::unknown_client,
                           "no client " + *name + " on " + *stream + " on this socket"};
    } else {
      // The plugin's close hook runs (chat `left`, presence `leave`); the
      // reply waits until it is down.
      control->closing.push_back(route->second.address());
      self->send(route->second, close_atom::value);
      routes.erase(route);
      count(metrics::global().specs_unsubscribed);
    }
    control->entries.push_back(std::move(e));
  }
  if (control->closing.empty()) {
    reply_control();
    finish_control();
  }
}

bool connection_state::on_unsubscribed(const caf::actor_addr& who) {
  auto& waiting = control->closing;
  auto i = std::find(waiting.begin(), waiting.end(), who);
  if (i == waiting.end())
    return false;
  waiting.erase(i);
  if (waiting.empty()) {
    reply_control();
    finish_control();
  }
  return true;
}

// --- the reply and what follows -----------------------------------------------------

void connection_state::reply_control() {
  json outcomes = json::array();
  for (auto& e : control->entries) {
    if (e.error) {
      outcomes.push_back(outcome_error(e.name, e.stream, *e.error));
      continue;
    }
    json o = {{"name", e.name}, {"stream", e.stream}, {"ok", true}};
    if (control->subscribe) {
      auto& s = slots()[*e.slot];
      o["strategy"] = to_string(s.spec.strategy);
      if (s.opened->resumed)
        o["recovered"] = s.opened->recovered;
    }
    outcomes.push_back(std::move(o));
  }
  reply(control_reply_frame(json::parse(control->ref_json), std::move(outcomes)));
}

void connection_state::finish_control() {
  control.reset();
  resume();
}

// Welcome or a control reply went out: run the frames that waited for it,
// then close if the peer asked to meanwhile.
void connection_state::resume() {
  if (replaying)
    return; // a control command that finished at once: the outer loop goes on
  replaying = true;
  while (opened_state && !opened_state->early.empty() && !control)
    for (auto& [text, binary] : std::exchange(opened_state->early, {}))
      on_frame(std::move(text), binary); // a subscribe among them holds the rest again
  replaying = false;
  release_open_state();
  if (!control && !plugins_closing && (closing || socket_gone))
    close_plugins();
}

} // namespace sb
