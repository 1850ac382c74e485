#include "actors/api.hpp"

#include <algorithm>
#include <optional>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "actors/api_body.hpp"
#include "actors/disconnector.hpp"
#include "core/deadline.hpp"
#include "core/envelope.hpp"
#include "core/log.hpp"
#include "net/query.hpp"
#include "plugins/presence.hpp"
#include "net/server.hpp"
#include "core/event_codec.hpp"

namespace sb {

using nlohmann::json;

namespace {

constexpr auto broker_timeout = std::chrono::seconds(5);

std::string error_json(std::string_view message) {
  return json{{"error", message}}.dump();
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// The broker error as an HTTP reply.
void fail(const api_responder& respond, const caf::error& err) {
  auto code = to_ec(err);
  respond(code == ec::unavailable ? 503 : 500,
          error_json(code == ec::unavailable ? "the broker is unavailable" : "internal error"));
}

json entries_json(const std::vector<stream_entry>& entries, std::string_view default_event) {
  json out = json::array();
  for (auto& e : entries) {
    auto ev = decode_entry(e, default_event);
    out.push_back({{"id", e.id}, {"event", ev.event}, {"data", json::parse(ev.data, nullptr, false)}});
  }
  return out;
}

/// The first parameter of `target` that is not in `known`, if any: a typo
/// must not silently change what a route returns.
std::optional<std::string> unknown_param(const std::string& target,
                                         std::initializer_list<std::string_view> known) {
  for (auto& name : query_names(target))
    if (std::find(known.begin(), known.end(), name) == known.end())
      return name;
  return std::nullopt;
}

/// Runs `fn(self)` in a short-lived actor that quits when `fn`'s requests
/// are done. The unused int argument works around CAF 0.17, which
/// dereferences a null argument tuple for argument-less function actors
/// (UBSan stops the server on it).
template <class F>
void spawn_task(caf::actor_system& sys, F fn) {
  sys.spawn([fn](caf::event_based_actor* self, int) { fn(self); }, 0);
}

} // namespace

api_handler::api_handler(caf::actor_system& sys, node_context node, server& srv)
  : sys_(sys), node_(std::move(node)), server_(srv) {
}

void api_handler::handle(const api_request& req, api_responder respond) {
  if (target_path(req.target) == "/api/demo/notify" && req.method == "POST")
    return demo_notify(req.body, std::move(respond));
  auto& key = node_.config->api_key;
  if (key.empty())
    return respond(404, error_json("the API is off: set api.key"));
  constexpr std::string_view bearer = "Bearer ";
  std::string_view auth = req.authorization;
  if (auth.substr(0, bearer.size()) != bearer || !same_secret(auth.substr(bearer.size()), key))
    return respond(401, error_json("missing or wrong API key"));
  auto path = target_path(req.target);
  if (path == "/api/publish" && req.method == "POST")
    return publish(req.body, std::move(respond));
  if (path == "/api/history" && req.method == "GET")
    return history(req.target, std::move(respond));
  if (path == "/api/disconnect" && req.method == "POST")
    return disconnect(req.body, std::move(respond));
  if (path == "/api/presence" && req.method == "GET")
    return presence(req.target, std::move(respond));
  respond(404, error_json("no such API route"));
}

void api_handler::publish(const std::string& body, api_responder respond) {
  auto parsed = parse_publish_body(body);
  if (auto* why = std::get_if<std::string>(&parsed))
    return respond(400, error_json(*why));
  publish_parsed(std::get<publish_body>(std::move(parsed)), std::move(respond));
}

void api_handler::publish_parsed(publish_body req, api_responder respond) {
  auto& stream = req.stream;
  auto& client = req.client;
  auto& event = req.event;
  auto& strategy = req.strategy;
  auto& data = req.data;
  if (!valid_stream_name(stream))
    return respond(400, error_json("stream must be 1..200 characters of [A-Za-z0-9_.:-]"));
  auto plugin = node_.plugins->find(client);
  if (!plugin)
    return respond(400, error_json("client must name a plugin"));
  if (event.empty())
    event = plugin->default_event;
  if (strategy != "streams" && strategy != "pub-sub")
    return respond(400, error_json("strategy must be \"streams\" or \"pub-sub\""));
  auto key = make_key(stream, client);
  auto broker = node_.broker;
  uint64_t maxlen = node_.config->chat_max_length;
  spawn_task(sys_, [=](caf::event_based_actor* self) {
    auto answer = [=](std::optional<std::string> id) {
      respond(200, json{{"id", id ? json(*id) : json()}}.dump());
      self->quit();
    };
    auto failed = [=](caf::error& err) {
      fail(respond, err);
      self->quit();
    };
    if (strategy == "pub-sub")
      self->request(broker.command, broker_timeout, publish_atom::value, key,
                    encode_published(event, {}, data), true)
        .then([=](uint64_t) { answer(std::nullopt); }, failed);
    else
      self->request(broker.command, broker_timeout, post_atom::value, key, event, data, maxlen,
                    false, deadline_ms(broker_timeout))
        .then([=](const std::string& id) { answer(id); }, failed);
  });
}

void api_handler::demo_notify(const std::string& body, api_responder respond) {
  if (!node_.config->demo_routes)
    return respond(404, error_json("demo routes are off (demo.enabled)"));
  // The demo's "send test notification" button: a publish without the API
  // key, limited to the notifications plugin.
  auto parsed = parse_demo_notify_body(body);
  if (auto* why = std::get_if<std::string>(&parsed))
    return respond(400, error_json(*why));
  publish_parsed(std::get<publish_body>(std::move(parsed)), std::move(respond));
}

void api_handler::history(const std::string& target, api_responder respond) {
  if (auto name = unknown_param(target, {"stream", "client", "limit", "since", "before", "reverse"}))
    return respond(400, error_json("unknown query parameter \"" + *name + "\""));
  auto stream = query_param(target, "stream").value_or("");
  auto client = query_param(target, "client").value_or("chat");
  auto since = query_param(target, "since");
  auto before = query_param(target, "before");
  auto reverse = query_param(target, "reverse").value_or("false");
  auto limit_text = query_param(target, "limit").value_or("50");
  if (!valid_stream_name(stream))
    return respond(400, error_json("stream must be 1..200 characters of [A-Za-z0-9_.:-]"));
  auto plugin = node_.plugins->find(client);
  if (!plugin)
    return respond(400, error_json("client must name a plugin"));
  char* end = nullptr;
  auto limit = std::strtoull(limit_text.c_str(), &end, 10);
  if (limit_text.empty() || *end != '\0' || limit < 1 || limit > 10'000)
    return respond(400, error_json("limit must be 1..10000"));
  if (since && !since->empty() && !stream_id::parse(*since))
    return respond(400, error_json("since must be a stream id like 1718000000000-0"));
  if (before && !before->empty() && !stream_id::parse(*before))
    return respond(400, error_json("before must be a stream id like 1718000000000-0"));
  if (since && !since->empty() && before && !before->empty())
    return respond(400, error_json("give since or before, not both"));
  if (reverse != "true" && reverse != "false")
    return respond(400, error_json("reverse must be true or false"));
  auto key = make_key(stream, client);
  auto broker = node_.broker;
  auto default_event = plugin->default_event;
  bool newest_first = reverse == "true";
  spawn_task(sys_, [=](caf::event_based_actor* self) {
    auto done = [=](std::vector<stream_entry> entries) {
      if (newest_first)
        std::reverse(entries.begin(), entries.end());
      respond(200, json{{"entries", entries_json(entries, default_event)}}.dump());
      self->quit();
    };
    auto failed = [=](caf::error& err) {
      fail(respond, err);
      self->quit();
    };
    if (since && !since->empty())
      self->request(broker.command, broker_timeout, replay_atom::value, key, *since, limit)
        .then([=](const stream_replay& r) { done(r.entries); }, failed);
    else if (before && !before->empty())
      self->request(broker.command, broker_timeout, before_atom::value, key, *before, limit)
        .then([=](const std::vector<stream_entry>& entries) { done(entries); }, failed);
    else
      self->request(broker.command, broker_timeout, tail_atom::value, key, limit)
        .then([=](const std::vector<stream_entry>& entries) { done(entries); }, failed);
  });
}

void api_handler::presence(const std::string& target, api_responder respond) {
  if (auto name = unknown_param(target, {"stream"}))
    return respond(400, error_json("unknown query parameter \"" + *name + "\""));
  auto stream = query_param(target, "stream").value_or("");
  if (!valid_stream_name(stream))
    return respond(400, error_json("stream must be 1..200 characters of [A-Za-z0-9_.:-]"));
  auto key = make_key(stream, "presence");
  auto broker = node_.broker;
  uint64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  spawn_task(sys_, [=](caf::event_based_actor* self) {
    self->set_default_handler(caf::drop); // replies to the leave publishes
    auto failed = [=](caf::error& err) {
      fail(respond, err);
      self->quit();
    };
    // Expired connections are swept (and their leaves published) first, so
    // the answer never lists a user whose node died.
    self->request(broker.command, broker_timeout, pres_sweep_atom::value, key, now)
      .then(
        [=](const std::vector<std::string>& left) {
          for (auto& user : left)
            self->send(broker.command, publish_atom::value, key,
                       encode_published("leave", {}, R"({"user":)" + user + "}"));
          self->request(broker.command, broker_timeout, pres_list_atom::value, key)
            .then(
              [=](const std::vector<presence_user>& users) {
                respond(200, presence_users_json(users));
                self->quit();
              },
              failed);
        },
        failed);
  });
}

void api_handler::disconnect(const std::string& body, api_responder respond) {
  auto parsed = parse_disconnect_body(body);
  if (auto* why = std::get_if<std::string>(&parsed))
    return respond(400, error_json(*why));
  auto& user = std::get<disconnect_body>(parsed).user;
  auto& socket = std::get<disconnect_body>(parsed).socket;
  auto closed = server_.disconnect(user, socket);
  log::info("api", "disconnect ", user.empty() ? "socket " + socket : "user " + user,
            " closed ", closed, " sockets here");
  // Every other node closes its own matching sockets as well.
  auto broker = node_.broker;
  auto payload = disconnect_payload(user, socket, server_.node_id());
  spawn_task(sys_, [=](caf::event_based_actor* self) {
    self->request(broker.command, broker_timeout, publish_atom::value,
                  std::string{disconnect_channel}, payload)
      .then(
        [=](uint64_t) {
          respond(200, json{{"closed", closed}}.dump());
          self->quit();
        },
        [=](caf::error& err) {
          fail(respond, err);
          self->quit();
        });
  });
}

} // namespace sb
