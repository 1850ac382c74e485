#include "plugins/proxy.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <memory>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/request.hpp"

namespace sb {

using nlohmann::json;

namespace {

json parse_ref(const std::string& ref_json) {
  auto ref = json::parse(ref_json, nullptr, false);
  return ref.is_discarded() ? json() : ref;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

} // namespace

// --- talking to the backend: one hook at a time ------------------------------------------

void proxy_state::call(std::string body, std::function<void(backend_response&)> then,
                       bool is_close, json ref) {
  pending.begin();
  queue.push_back({std::move(body), std::move(then), is_close, std::move(ref)});
  next();
}

void proxy_state::next() {
  if (calling || queue.empty())
    return;
  calling = true;
  auto c = std::make_shared<hook_call>(std::move(queue.front()));
  queue.pop_front();
  if (!ctx.backend) {
    backend_response res{0, {}, "this node has no backend client"};
    return answered(*c, res);
  }
  // The backend actor ends the hook at the timeout; this bound only
  // covers the actor itself being gone.
  request(self, ctx.backend, config.timeout + std::chrono::seconds(1), backend_atom::value,
                ctx.spec.name, c->body)
    .then([this, c](backend_response& res) { answered(*c, res); },
          [this, c](caf::error& err) {
            auto why = "the backend client failed: " + std::string{to_string(to_ec(err))};
            backend_response res{0, {}, std::move(why)};
            answered(*c, res);
          });
}

void proxy_state::answered(hook_call& c, backend_response& res) {
  calling = false;
  c.then(res);
  if (res.status == 0) {
    // No answer in time (or none at all): each hook queued behind this one
    // would wait as long again; they fail now. A close hook still goes,
    // the backend's bookkeeping needs it.
    std::deque<hook_call> kept;
    size_t failed = 0;
    for (auto& q : std::exchange(queue, {})) {
      if (q.is_close) {
        kept.push_back(std::move(q));
        continue;
      }
      reply(error_frame(ec::unavailable,
                        "the backend is unavailable (" + res.error + "); not sent", q.ref));
      pending.end();
      ++failed;
    }
    queue = std::move(kept);
    if (failed > 0)
      log::warning("proxy", ctx.spec.name, ": ", failed,
                   " commands queued behind it failed without being sent");
  }
  pending.end();
  next();
}

std::variant<hook_answer, std::pair<ec, std::string>>
proxy_state::read_answer(const backend_response& res) {
  auto fail = [&](ec code, std::string why, const char* outcome) {
    metrics::global().backend_request(ctx.spec.name, outcome);
    log::warning("proxy", ctx.spec.name, ": ", why);
    return std::variant<hook_answer, std::pair<ec, std::string>>{std::pair{code, std::move(why)}};
  };
  if (res.status == 0)
    return fail(ec::unavailable, "the backend is unavailable (" + res.error + ")", "unavailable");
  if (res.status < 200 || res.status > 299)
    return fail(ec::unavailable, "the backend answered HTTP " + std::to_string(res.status),
                "unavailable");
  auto answer = parse_hook_answer(res.body);
  if (auto why = std::get_if<std::string>(&answer))
    return fail(ec::internal, "the backend's answer is malformed: " + *why, "malformed");
  metrics::global().backend_request(ctx.spec.name, "ok");
  return std::get<hook_answer>(std::move(answer));
}

std::vector<std::string> proxy_state::frames_of(const std::vector<hook_event>& events) const {
  std::vector<std::string> out;
  for (auto& e : events)
    out.push_back(event_frame(ctx.spec.name, ctx.spec.stream, e.event, {}, e.data));
  return out;
}

void proxy_state::broadcast(std::vector<hook_event> events,
                            std::function<void(const std::string&, std::optional<ec>)> done) {
  struct progress {
    size_t left;
    std::string last_id;
    std::optional<ec> error;
  };
  if (events.empty())
    return done({}, std::nullopt);
  auto p = std::make_shared<progress>(progress{events.size(), {}, std::nullopt});
  auto finished = [this, p, done](std::optional<ec> err) {
    if (err && !p->error)
      p->error = err;
    if (--p->left == 0)
      done(p->last_id, p->error);
    pending.end();
  };
  bool store = ctx.spec.strategy == strategy::streams;
  for (auto& e : events) {
    pending.begin();
    // One actor answers them in order: the last reply holds the last id.
    if (store)
      post(e.event, e.data, config.max_length, false)
        .then([p, finished](const std::string& id) { p->last_id = id; finished(std::nullopt); },
              [finished](caf::error& err) { finished(to_ec(err)); });
    else
      request(self, ctx.broker.command, request_timeout, publish_atom::value, ctx.key(),
                    encode_published(e.event, {}, e.data))
        .then([finished](uint64_t) { finished(std::nullopt); },
              [finished](caf::error& err) { finished(to_ec(err)); });
  }
}

// --- open: join, then the backend decides (and on streams, replay) -------------------------

caf::result<open_result> proxy_state::open() {
  auto rp = self->make_response_promise<open_result>();
  // Joined first: what the stream carries from now on is held for this
  // socket, so the state the backend answers with has no gap after it.
  join(ctx.spec.strategy, config.default_event(), rp, [this, rp] {
    call(hook_body("open", ctx), [this, rp](backend_response& res) { on_open_answer(rp, res); });
  });
  return rp;
}

void proxy_state::on_open_answer(open_promise rp, backend_response& res) {
  auto read = read_answer(res);
  if (auto failed = std::get_if<std::pair<ec, std::string>>(&read)) {
    rp.deliver(make_error(failed->first, failed->second));
    return;
  }
  auto& answer = std::get<hook_answer>(read);
  if (!answer.accept || answer.error) {
    rp.deliver(make_error(answer.error.value_or(ec::forbidden),
                          answer.message.empty() ? "refused by the backend" : answer.message));
    return;
  }
  opened = true;
  if (closed) {
    // The socket went while the backend decided: it hears of that too.
    call(hook_body("close", ctx), [](backend_response&) {}, true);
    rp.deliver(make_error(ec::unavailable, "the socket closed"));
    return;
  }
  catch_up().frames = frames_of(answer.reply);
  open_broadcasts = std::move(answer.broadcast);
  if (ctx.spec.since)
    replay_since(rp, config.default_event(), config.max_length);
  else
    rp.deliver(open_result{});
}

caf::result<ok_atom> proxy_state::start() {
  auto live = go_live();
  // After the activation, like chat's `joined`: this socket sees them too.
  broadcast(std::exchange(open_broadcasts, {}), [](const std::string&, std::optional<ec>) {});
  return live;
}

// --- commands --------------------------------------------------------------------------------

void proxy_state::on_command(const std::string& event, const std::string& ref_json,
                             const std::string& data_json) {
  auto ref = parse_ref(ref_json);
  auto& allowed = config.events;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), event) == allowed.end())
    return reply(error_frame(ec::invalid_frame,
                             ctx.spec.name + " accepts " + joined(allowed) + "; not \"" + event
                               + "\"",
                             ref));
  if (queue.size() >= max_queued_hooks)
    return reply(error_frame(ec::unavailable,
                             "the backend is behind: " + std::to_string(queue.size())
                               + " commands are waiting for it",
                             ref));
  call(
    hook_body("message", ctx, event, ref_json, data_json),
    [this, ref](backend_response& res) { on_command_answer(ref, res); }, false, ref);
}

void proxy_state::on_command_answer(const json& ref, backend_response& res) {
  auto read = read_answer(res);
  if (auto failed = std::get_if<std::pair<ec, std::string>>(&read))
    return reply(error_frame(failed->first, failed->second, ref));
  auto& answer = std::get<hook_answer>(read);
  if (answer.error)
    return reply(error_frame(*answer.error,
                             answer.message.empty() ? "refused by the backend" : answer.message,
                             ref));
  for (auto& frame : frames_of(answer.reply))
    reply(std::move(frame));
  broadcast(std::move(answer.broadcast), [this, ref](const std::string& id, std::optional<ec> err) {
    if (!err)
      reply(ack_frame(ref, id));
    else
      reply(error_frame(*err, *err == ec::unavailable ? "the broker is unavailable"
                                                      : "the events were not broadcast",
                        ref));
  });
}

// --- close: after every hook before it; its broadcasts go out before the plugin quits -------

void proxy_state::close() {
  if (closed)
    return;
  closed = true;
  if (opened)
    call(
      hook_body("close", ctx),
      [this](backend_response& res) {
        auto read = read_answer(res);
        if (auto answer = std::get_if<hook_answer>(&read); answer && !answer->error)
          broadcast(std::move(answer->broadcast), [](const std::string&, std::optional<ec>) {});
      },
      true);
  quit_when_done();
}

plugin_actor::behavior_type proxy(lean_pointer<plugin_actor, proxy_state> self,
                                  plugin_context ctx, proxy_config config) {
  self->state.config = std::move(config);
  return plugin_behavior<plugin_actor>(self, std::move(ctx));
}

plugin_factory proxy_factory(proxy_config config) {
  return configured_factory(proxy, std::move(config));
}

} // namespace sb
