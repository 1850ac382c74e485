#include "actors/connection.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <random>

#include "actors/socket_directory.hpp"
#include "core/envelope.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/request.hpp"
#include "net/auth.hpp"

namespace sb {

using nlohmann::json;

namespace {

constexpr auto open_timeout = std::chrono::seconds(10);
constexpr size_t max_early_frames = 64;

std::string random_hex(size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (auto& c : out)
    c = hex[rng() % 16];
  return out;
}

/// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& text, size_t max) {
  if (text.size() <= max)
    return text;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;
  return text.substr(0, n);
}

} // namespace

user_info make_guest(const std::optional<std::string>& name) {
  user_info user{"guest-" + random_hex(8), {}};
  user.name = name && !name->empty() ? utf8_prefix(*name, 64) : user.id;
  return user;
}

// --- handshake -------------------------------------------------------------------

bool connection_state::authenticate(const connection_args& args) {
  auto& auth = node->config->auth;
  if (!auth.enabled()) {
    set_user(make_guest(args.name));
    return true;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  auto verified = args.token ? verify_token(*args.token, auth, now)
                             : std::variant<token_claims, std::string>{"no token"};
  if (auto why = std::get_if<std::string>(&verified)) {
    log::info("connection", socket_id(), " refused: ", *why);
    sink->close(4401, "Unauthorized");
    return false;
  }
  auto& claims = std::get<token_claims>(verified);
  set_user(user_info{claims.sub, utf8_prefix(claims.name, 64)});
  allowed_streams = std::make_unique<const std::vector<std::string>>(std::move(claims.streams));
  // The token's permissions end at `exp`, and so does the socket: a client
  // reconnects with a fresh token, as it would after any 4401.
  sink->expire_after(std::chrono::seconds(claims.exp - now));
  return true;
}

void connection_state::init(connection_args args) {
  who = make_identity(std::move(args.socket_id), {});
  if (node->sockets)
    node->sockets->add(socket_id(), caf::actor_cast<connection_actor>(self));
  sink = std::move(args.sink);
  if (!authenticate(args)) {
    gave_up = true;
    return;
  }
  sink->identify(who);
  auto& cfg = *node->config;
  limiter.emplace(cfg.commands_burst, cfg.commands_per_second, rate_limiter::clock::now());
  if (args.version && *args.version != "1" && *args.version != "2") {
    sink->close(1008, "Unsupported protocol version");
    gave_up = true;
    return;
  }
  v2 = args.version == "2";
  auto rules = rules_for_specs();
  rules.allow_empty = v2;
  auto parsed = parse_clients(args.clients, rules);
  if (auto rejected = std::get_if<clients_rejected>(&parsed)) {
    sink->close(1008, rejected->reason);
    gave_up = true;
    return;
  }
  auto& ok = std::get<parsed_clients>(parsed);
  errors() = std::move(ok.errors);
  if (ok.specs.empty()) {
    on_open_done();
    return;
  }
  open_plugins(std::move(ok.specs));
}

spec_rules connection_state::rules_for_specs() const {
  spec_rules rules;
  rules.max_specs = node->config->max_specs;
  rules.known_plugin = [plugins = node->plugins](std::string_view n) {
    return plugins->find(n) != nullptr;
  };
  if (allowed_streams)
    rules.permitted = [globs = *allowed_streams](std::string_view s) {
      return permitted(globs, s);
    };
  return rules;
}

void connection_state::open_plugins(std::vector<plugin_spec> specs) {
  opening = specs.size();
  slots().clear();
  slots().reserve(specs.size());
  for (auto& spec : specs) {
    auto index = slots().size();
    auto info = node->plugins->find(spec.name);
    plugin_context ctx{who,
                       spec,
                       caf::actor_cast<connection_actor>(self),
                       node->broker,
                       node->plugin_config,
                       node->backend};
    slots().push_back({std::move(spec), plugin_actor{}, std::nullopt, std::nullopt});
    if (!info->on_worker) {
      open_plugin(index, info->spawn(self->system(), std::move(ctx)));
      continue;
    }
    request(self, node->workers, open_timeout, place_atom::value, std::move(ctx))
      .then([this, index](plugin_actor& plugin) { open_plugin(index, std::move(plugin)); },
            [this, index](caf::error& err) { fail_open(index, err); });
  }
}

void connection_state::open_plugin(size_t index, plugin_actor plugin) {
  // One on this node built on plugin_base tells this actor when it ends.
  auto info = node->plugins->find(slots()[index].spec.name);
  if (plugin.node() != self->node() || !info || !info->tells_its_end)
    self->monitor(plugin);
  alive.emplace(plugin.address(), plugin);
  slots()[index].plugin = plugin;
  request(self, plugin, open_timeout, open_atom::value)
    .then(
      [this, index](open_result& r) {
        slots()[index].opened = r;
        if (--opening == 0)
          on_open_done();
      },
      [this, index](caf::error& err) { fail_open(index, err); });
}

void connection_state::fail_open(size_t index, const caf::error& err) {
  auto& s = slots()[index];
  auto code = to_ec(err);
  // A plugin may say why (a backend refused the spec); else the code does.
  auto why = error_message(err);
  if (why.empty() && s.plugin && s.plugin.node() != self->node()) {
    code = ec::unavailable; // its worker went away during the open
    why = "the worker hosting this plugin is gone; subscribe again";
  } else if (why.empty()) {
    why = code == ec::unavailable ? "the broker is unavailable" : "the plugin failed to start";
  }
  s.failed = spec_error{s.spec.name, s.spec.stream, code, std::move(why)};
  if (s.plugin)
    self->send(s.plugin, close_atom::value);
  if (--opening == 0)
    on_open_done();
}

void connection_state::on_open_done() {
  if (control)
    return on_subscribe_opened();
  for (auto& s : slots())
    if (s.failed)
      errors().push_back(*s.failed);
  bool any = false;
  for (auto& s : slots())
    any = any || s.opened.has_value();
  // A version 2 client may start with no client and subscribe later.
  if (!any && !v2) {
    for (auto& e : errors())
      reply(error_frame(e.code, e.message, nullptr, e.name, e.stream));
    sink->close(1008, "No valid clients");
    gave_up = true;
    if (closing || socket_gone)
      close_plugins();
    return;
  }
  reply(welcome_frame());
  for (auto& e : errors())
    reply(error_frame(e.code, e.message, nullptr, e.name, e.stream));
  errors().clear();
  for (auto& s : slots())
    if (s.opened)
      routes.emplace(std::make_pair(s.spec.name, s.spec.stream), s.plugin);
  start_next(0);
}

connection_state::opening_state& connection_state::open_state() {
  if (!opened_state)
    opened_state = std::make_unique<opening_state>();
  return *opened_state;
}

const std::vector<connection_state::slot>& connection_state::slots() const {
  static const std::vector<slot> none;
  return opened_state ? opened_state->slots : none;
}

void connection_state::release_open_state() {
  if (opened_state && opening == 0 && !control && opened_state->slots.empty()
      && opened_state->errors.empty() && opened_state->early.empty())
    opened_state.reset();
}

void connection_state::start_next(size_t index) {
  // One plugin at a time, so each client's catch-up arrives in spec order.
  while (index < slots().size() && !slots()[index].opened)
    ++index;
  if (index == slots().size()) {
    // Every plugin started; routes holds them. An idle socket keeps none of
    // the specs and open results (about 250 B a plugin): resume() frees
    // them with the rest of the opening state.
    slots().clear();
    if (control)
      return finish_control();
    ready = true;
    resume();
    return;
  }
  request(self, slots()[index].plugin, open_timeout, start_atom::value)
    .then([this, index](ok_atom) { start_next(index + 1); },
          [this, index](caf::error&) { start_next(index + 1); });
}

std::string connection_state::welcome_frame() const {
  json clients = json::array();
  for (auto& s : slots()) {
    if (!s.opened)
      continue;
    json c = {{"name", s.spec.name},
              {"stream", s.spec.stream},
              {"strategy", to_string(s.spec.strategy)}};
    if (s.opened->resumed)
      c["recovered"] = s.opened->recovered;
    clients.push_back(std::move(c));
  }
  json out = {{"type", "welcome"},
              {"socket", socket_id()},
              {"user", json::parse(user().json())},
              {"clients", std::move(clients)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// --- commands ----------------------------------------------------------------------

void connection_state::on_frame(std::string text, bool binary) {
  bool holding = !ready || control;
  if (holding && early().size() < max_early_frames) {
    early().emplace_back(std::move(text), binary); // consumed when replayed
    return;
  }
  sink->consumed();
  if (holding) {
    reply(error_frame(ec::rate_limited, ready ? "too many commands during a subscribe"
                                              : "too many commands before welcome"));
    return;
  }
  if (binary) {
    if (!limiter->allow(rate_limiter::clock::now()))
      reply(error_frame(ec::rate_limited, "too many commands"));
    else
      reply(error_frame(ec::invalid_frame, "binary frames are not supported"));
    return;
  }
  route(text);
}

void connection_state::route(const std::string& text) {
  auto parsed = parse_command(text);
  auto* cmd = std::get_if<command>(&parsed);
  auto* ctl = std::get_if<control_command>(&parsed);
  auto ref = cmd ? cmd->ref : ctl ? ctl->ref : std::get<command_error>(parsed).ref;
  if (!limiter->allow(rate_limiter::clock::now())) {
    count(metrics::global().rate_limited);
    reply(error_frame(ec::rate_limited, "too many commands; this one was dropped", ref));
    return;
  }
  if (ctl)
    return on_control(std::move(*ctl));
  if (!cmd) {
    auto& err = std::get<command_error>(parsed);
    reply(error_frame(err.code, err.message, err.ref));
    return;
  }
  auto i = routes.find(std::make_pair(cmd->client, cmd->stream));
  if (i == routes.end()) {
    reply(error_frame(ec::unknown_client,
                      "no client " + cmd->client + " on " + cmd->stream + " on this socket",
                      ref));
    return;
  }
  metrics::global().command(cmd->client, cmd->event);
  self->send(i->second, command_atom::value, cmd->event, ref.dump(), cmd->data.dump());
}

void connection_state::reply(std::string frame) {
  sink->send(make_frame(std::move(frame)));
}

// The socket's sink joins the topic with the plugin: the topic writes
// every event straight to it, and the plugin holds nothing local.
caf::result<membership_actor> connection_state::join_topic(topic_request request) {
  topic_member member{self->current_sender(), sink, request.strategy, request.tells_its_end,
                      who};
  return self->delegate(node->topics, join_atom::value,
                        topic_join{std::move(request), std::move(member)});
}

void connection_state::on_plugin_down(const caf::actor_addr& who, const caf::error& reason) {
  if (alive.erase(who) == 0)
    return; // heard already (a plugin's own notice and a monitor may both come)
  if (plugins_closing) {
    if (alive.empty())
      finish_closing();
    return;
  }
  if (control && !control->subscribe && on_unsubscribed(who))
    return;
  // A plugin that failed must not leave its commands unanswered forever.
  // One on a worker that died or lost its link is `unavailable`: the
  // client may subscribe again, and a worker that is there takes it.
  bool remote = who.node() != self->node();
  auto code = remote ? ec::unavailable : ec::internal;
  std::string why = remote ? "the worker hosting this plugin is gone; subscribe again"
                           : "the plugin stopped";
  for (auto i = routes.begin(); i != routes.end(); ++i) {
    if (i->second.address() != who)
      continue;
    log::error("connection", socket_id(), " lost its ", i->first.first, " plugin on ",
               i->first.second, remote ? " (on a worker)" : "", ": ",
               self->system().render(reason));
    reply(error_frame(code, why, nullptr, i->first.first, i->first.second));
    routes.erase(i);
    return;
  }
  // Opened, not routed yet (other specs still opening): it is a spec that
  // failed, never a client in welcome or a subscribe's outcome.
  if (opening == 0)
    return;
  for (auto& slot : slots())
    if (slot.plugin && slot.plugin.address() == who && slot.opened) {
      slot.opened.reset();
      slot.failed = spec_error{slot.spec.name, slot.spec.stream, code, why};
    }
}

// --- closing: nothing received is lost -----------------------------------------------

void connection_state::on_peer_closing(uint16_t code) {
  closing = code;
  leave_directory();
  if ((ready && !control) || gave_up)
    close_plugins();
  // else resume() (or on_open_done()) closes them once the commands that
  // arrived before welcome, or during a subscribe, ran.
}

void connection_state::on_closed() {
  socket_gone = true;
  leave_directory();
  if (plugins_closing)
    return self->quit(); // each plugin still finishes its own commands
  if ((ready && !control) || gave_up)
    close_plugins();
}

void connection_state::close_plugins() {
  plugins_closing = true;
  routes.clear();
  for (auto& [addr, plugin] : alive)
    self->send(plugin, close_atom::value);
  if (alive.empty() || socket_gone)
    finish_closing();
}

// Every plugin is down, so every reply it had for the client is queued:
// the Close can follow them.
void connection_state::finish_closing() {
  if (!socket_gone && closing)
    sink->close(*closing, {});
  self->quit();
}

connection_actor::behavior_type
connection(lean_pointer<connection_actor, connection_state> self, node_ptr node,
           connection_args args) {
  using actor = std::remove_pointer_t<decltype(self)>;
  auto& st = self->state;
  st.self = self;
  st.node = std::move(node);
  self->set_down_handler(
    [&st](caf::down_msg& dm) { st.on_plugin_down(dm.source, dm.reason); });
  st.init(std::move(args));
  // One behavior for every connection (core/lean_actor).
  static const connection_actor::behavior_type shared{
    [](frame_atom, std::string& text, bool binary) {
      actor::running().on_frame(std::move(text), binary);
    },
    [](closing_atom, uint16_t code) { actor::running().on_peer_closing(code); },
    [](closed_atom, uint16_t) { actor::running().on_closed(); },
    [](write_atom, std::string& text) { actor::running().reply(std::move(text)); },
    [](join_atom, topic_request& request) {
      return actor::running().join_topic(std::move(request));
    },
    [](describe_atom) { return actor::running().describe(); },
  };
  return shared;
}

namespace {

/// The session's side of a connection actor: each call becomes a message.
/// anon_send from the loop thread never blocks, and keeps the calls' order.
class connection_handler final : public message_handler {
public:
  explicit connection_handler(connection_actor conn) : conn_(std::move(conn)) {}

  void on_message(std::string payload, bool binary) override {
    caf::anon_send(conn_, frame_atom::value, std::move(payload), binary);
  }
  void on_peer_closing(uint16_t code) override {
    caf::anon_send(conn_, closing_atom::value, code);
  }
  void on_closed(uint16_t code) override {
    caf::anon_send(conn_, closed_atom::value, code);
  }

private:
  connection_actor conn_;
};

} // namespace

handler_ptr make_connection(caf::actor_system& sys, node_ptr node, connection_args args) {
  return std::make_unique<connection_handler>(
    sys.spawn(connection, std::move(node), std::move(args)));
}

// The state goes when the actor quits: the directory forgets it then at the
// latest. The actor itself enters it (init), so leaving always comes after
// entering.
connection_state::~connection_state() {
  leave_directory();
  tell_plugins_gone();
}

// Runs as the actor ends (the state dies in on_exit), for every reason:
// what a monitor would have told the plugins on this node, which do not
// monitor their connection (plugins/plugin_actor.hpp). Sent after all
// else this actor sent them, as a monitor's would be.
void connection_state::tell_plugins_gone() {
  if (!self)
    return;
  for (auto& [addr, plugin] : alive)
    if (plugin.node() == self->node())
      caf::anon_send(caf::actor_cast<caf::actor>(plugin),
                     caf::down_msg{self->address(), self->fail_state()});
}

// A closing socket is no longer listed (ctl sockets shows open ones), though
// its actor lives on until its plugins finished.
void connection_state::leave_directory() {
  if (node->sockets)
    node->sockets->remove(socket_id());
}

socket_report connection_state::describe() const {
  socket_report r;
  r.id = socket_id();
  r.user = user().id;
  if (sink) {
    auto s = sink->report();
    r.remote = std::move(s.remote);
    r.queued_bytes = s.queued_bytes;
    r.age_ms = s.age_ms;
  }
  for (auto& [route, plugin] : routes)
    r.plugins.push_back({route.first, route.second});
  return r;
}

} // namespace sb
