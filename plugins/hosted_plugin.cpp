#include "plugins/hosted_plugin.hpp"

#include <caf/all.hpp>
#include <exception>

#include "core/envelope.hpp"
#include "core/event_codec.hpp"
#include "core/log.hpp"
#include "core/request.hpp"

namespace sb {

using nlohmann::json;
using switchboard::outcome;

namespace {

json parse_ref(const std::string& ref_json) {
  auto ref = json::parse(ref_json, nullptr, false);
  return ref.is_discarded() ? json() : ref;
}

ec code_of(switchboard::error_code code) {
  switch (code) {
    case switchboard::error_code::invalid_frame: return ec::invalid_frame;
    case switchboard::error_code::forbidden: return ec::forbidden;
    case switchboard::error_code::rate_limited: return ec::rate_limited;
    case switchboard::error_code::too_large: return ec::too_large;
    case switchboard::error_code::unavailable: return ec::unavailable;
    case switchboard::error_code::internal: return ec::internal;
  }
  return ec::internal;
}

outcome failure(const caf::error& err) {
  auto code = to_ec(err);
  if (code == ec::unavailable)
    return {false, switchboard::error_code::unavailable, "the broker is unavailable", {}};
  return {false, switchboard::error_code::internal, "the broker failed", {}};
}

std::vector<switchboard::entry> entries_of(const std::vector<stream_entry>& entries,
                                           const std::string& default_event) {
  std::vector<switchboard::entry> out;
  out.reserve(entries.size());
  for (auto& e : entries) {
    auto ev = decode_entry(e, default_event);
    out.push_back({ev.id, ev.event, ev.data});
  }
  return out;
}

/// The context an instance gets: every call forwards to its actor's state.
class hosted_context final : public switchboard::context {
public:
  explicit hosted_context(hosted_state& st) : st_(st) {}

  const std::string& socket_id() const override { return st_.ctx.socket_id(); }
  const switchboard::user& user() const override { return st_.session_user; }
  const std::string& user_json() const override { return st_.user_json; }
  const std::string& plugin_name() const override { return st_.ctx.spec.name; }
  const std::string& stream() const override { return st_.ctx.spec.stream; }
  switchboard::strategy strategy() const override {
    return st_.ctx.spec.strategy == sb::strategy::streams ? switchboard::strategy::streams
                                                          : switchboard::strategy::pub_sub;
  }
  const std::string& key() const override { return st_.key; }
  const std::string& since() const override { return st_.since; }

  void ack(const switchboard::command& cmd, const std::string& id) override {
    st_.reply(ack_frame(parse_ref(cmd.ref), id));
  }
  void error(const switchboard::command& cmd, switchboard::error_code code,
             const std::string& message) override {
    st_.reply(error_frame(code_of(code), message, parse_ref(cmd.ref)));
  }
  void send(const std::string& event, const std::string& data, const std::string& id) override {
    st_.send_event(event, data, id);
  }
  void publish(const std::string& event, const std::string& data, bool others_only,
               std::function<void(outcome)> done) override {
    st_.publish(event, data, others_only, std::move(done));
  }
  void append(const std::string& event, const std::string& data, uint64_t max_length,
              std::function<void(outcome)> done) override {
    st_.append(event, data, max_length, std::move(done));
  }
  void history(uint64_t count,
               std::function<void(outcome, std::vector<switchboard::entry>)> done) override {
    st_.history(count, std::move(done));
  }
  void replay(const std::string& after, uint64_t count,
              std::function<void(outcome, std::vector<switchboard::entry>, bool)> done) override {
    st_.replay(after, count, std::move(done));
  }
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    st_.after(delay, std::move(fn));
  }

private:
  hosted_state& st_;
};

} // namespace

// --- calling into the plugin ---------------------------------------------------------

bool hosted_state::guarded(const char* hook, const std::function<void()>& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    log::error("plugin", def.name, " (", def.file, ") threw in ", hook, ": ", e.what());
  } catch (...) {
    log::error("plugin", def.name, " (", def.file, ") threw in ", hook);
  }
  return false;
}

void hosted_state::later(std::function<void()> fn) {
  // Runs even after close, like any callback due; close waits for it.
  auto id = ++last_timer;
  timers.emplace(id, timer{std::move(fn), true});
  pending.begin();
  self->send(self, tick_atom::value, id);
}

// --- open: make the instance, join the topic, let the instance open ---------------------

caf::result<open_result> hosted_state::open() {
  auto rp = self->make_response_promise<open_result>();
  join(ctx.spec.strategy, def.default_event, rp, [this, rp] { open_instance(rp); });
  return rp;
}

void hosted_state::open_instance(open_promise rp) {
  auto answered = std::make_shared<bool>(false);
  auto done = [this, rp, answered](outcome r) mutable {
    if (std::exchange(*answered, true))
      return; // a second done() changes nothing
    refused = !r.ok;
    if (r.ok)
      rp.deliver(open_result{!since.empty(), !since.empty() && recovered});
    else
      rp.deliver(make_error(code_of(r.error),
                            r.message.empty() ? "refused by the plugin" : r.message));
  };
  if (init == nullptr) {
    *answered = true;
    log::error("plugin", def.name, ": ", def.file, " is not loaded in this process");
    rp.deliver(make_error(ec::internal, "the plugin is not loaded on this node"));
    return;
  }
  bool ok = guarded("init", [this] { instance = init(*api); });
  ok = ok && instance != nullptr && guarded("open", [this, done] { instance->open(done); });
  if (!ok && !*answered) {
    *answered = refused = true;
    rp.deliver(make_error(ec::internal, "the plugin failed to open"));
  }
}

// --- start: the catch-up, then live ------------------------------------------------------

caf::result<ok_atom> hosted_state::start() {
  started = activating = true;
  auto rp = self->make_response_promise<ok_atom>();
  auto first = take_catch_up();
  request(self, topic, request_timeout, activate_atom::value, std::move(first.after_id),
          std::move(first.frames))
    .then(
      [this, rp](ok_atom) mutable {
        live = true;
        for (auto& frame : std::exchange(held, {}))
          reply(std::move(frame));
        rp.deliver(ok_atom::value);
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

// --- commands ----------------------------------------------------------------------------

void hosted_state::on_command(const std::string& event, const std::string& ref_json,
                              const std::string& data_json) {
  switchboard::command cmd{event, data_json, ref_json};
  if (!instance || !guarded("message", [this, &cmd] { instance->message(cmd); }))
    reply(error_frame(ec::internal, "the plugin failed", parse_ref(ref_json)));
}

// --- what the context does -----------------------------------------------------------------

void hosted_state::send_event(const std::string& event, const std::string& data,
                              const std::string& id) {
  if (!is_json_text(data)) {
    log::warning("plugin", def.name, " sent event ", event, " with data that is not JSON; dropped");
    return;
  }
  auto parsed_id = stream_id::parse(id);
  auto frame = event_frame(ctx.spec.name, ctx.spec.stream, event, parsed_id ? id : "", data);
  if (!activating) {
    // Catch-up: live copies of a stored event it holds are not sent again.
    auto& first = catch_up();
    auto floor = stream_id::parse(first.after_id);
    if (parsed_id && (!floor || *floor < *parsed_id))
      first.after_id = id;
    first.frames.push_back(std::move(frame));
  } else if (!live) {
    held.push_back(std::move(frame));
  } else {
    reply(std::move(frame));
  }
}

bool hosted_state::valid_data(const std::string& data,
                              const std::function<void(outcome)>& done) {
  if (is_json_text(data))
    return true;
  log::warning("plugin", def.name, " gave data that is not JSON to the broker; refused");
  if (done)
    later([this, done] {
      guarded("callback", [&] { done({false, switchboard::error_code::internal,
                                      "data is not valid JSON", {}}); });
    });
  return false;
}

void hosted_state::publish(const std::string& event, const std::string& data, bool others_only,
                           std::function<void(outcome)> done) {
  if (!valid_data(data, done))
    return;
  auto payload = others_only ? encode_published_to(event, data, {}, ctx.socket_id())
                             : encode_published(event, {}, data);
  pending.begin();
  request(self, ctx.broker.command, request_timeout, publish_atom::value, ctx.key(),
                std::move(payload))
    .then(
      [this, done](uint64_t) {
        if (done)
          guarded("publish callback", [&] { done({}); });
        pending.end();
      },
      [this, done](caf::error& err) {
        if (done)
          guarded("publish callback", [&] { done(failure(err)); });
        pending.end();
      });
}

void hosted_state::append(const std::string& event, const std::string& data, uint64_t max_length,
                          std::function<void(outcome)> done) {
  if (!valid_data(data, done))
    return;
  // As chat: a pub-sub socket's event is refused while this node cannot
  // hear the channel, or it would be acked and reach none of its sockets.
  bool live_only = ctx.spec.strategy == strategy::pub_sub;
  pending.begin();
  post(event, data, max_length, live_only)
    .then(
      [this, done](const std::string& id) {
        if (done)
          guarded("append callback", [&] { done({true, {}, {}, id}); });
        pending.end();
      },
      [this, done](caf::error& err) {
        if (done)
          guarded("append callback", [&] { done(failure(err)); });
        pending.end();
      });
}

void hosted_state::history(
  uint64_t count, std::function<void(outcome, std::vector<switchboard::entry>)> done) {
  pending.begin();
  request(self, ctx.broker.command, request_timeout, tail_atom::value, ctx.key(), count)
    .then(
      [this, done](const std::vector<stream_entry>& entries) {
        guarded("history callback", [&] { done({}, entries_of(entries, def.default_event)); });
        pending.end();
      },
      [this, done](caf::error& err) {
        guarded("history callback", [&] { done(failure(err), {}); });
        pending.end();
      });
}

void hosted_state::replay(
  const std::string& after_text, uint64_t count,
  std::function<void(outcome, std::vector<switchboard::entry>, bool)> done) {
  if (!stream_id::parse(after_text)) {
    later([this, done] {
      guarded("replay callback", [&] {
        done({false, switchboard::error_code::invalid_frame, "not a stream id", {}}, {}, false);
      });
    });
    return;
  }
  pending.begin();
  request(self, ctx.broker.command, request_timeout, replay_atom::value, ctx.key(), after_text,
                count)
    .then(
      [this, done](const stream_replay& r) {
        if (!activating)
          recovered = r.recovered; // what welcome says
        guarded("replay callback",
                [&] { done({}, entries_of(r.entries, def.default_event), r.recovered); });
        pending.end();
      },
      [this, done](caf::error& err) {
        guarded("replay callback", [&] { done(failure(err), {}, false); });
        pending.end();
      });
}

void hosted_state::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (closed || !fn)
    return;
  auto id = ++last_timer;
  timers.emplace(id, timer{std::move(fn), false});
  self->delayed_send(self, delay, tick_atom::value, id);
}

void hosted_state::on_tick(uint64_t id) {
  auto i = timers.find(id);
  if (i == timers.end())
    return; // a timer of a closed instance
  auto t = std::move(i->second);
  timers.erase(i);
  guarded("timer", t.fn);
  if (t.internal)
    pending.end();
}

// --- close ------------------------------------------------------------------------------

void hosted_state::close() {
  if (closed)
    return;
  if (instance && !refused)
    guarded("close", [this] { instance->close(); });
  closed = true; // after close(): what it sends or publishes still goes out
  for (auto i = timers.begin(); i != timers.end();)
    i = i->second.internal ? std::next(i) : timers.erase(i);
  // The broker requests of earlier commands and of close() finish first.
  pending.when_done([this] {
    instance.reset();
    leave_topic([this] { self->quit(); });
  });
}

hosted_plugin_actor::behavior_type
hosted_plugin(lean_pointer<hosted_plugin_actor, hosted_state> self, plugin_context ctx,
              hosted_def def) {
  using actor = std::remove_pointer_t<decltype(self)>;
  auto& st = self->state;
  // First: it sets self and the context, so that a throw below still tells
  // the connection this plugin ended (~plugin_base).
  auto behavior = plugin_behavior<hosted_plugin_actor>(
    self, std::move(ctx), [](tick_atom, uint64_t id) { actor::running().on_tick(id); });
  if (auto loaded = find_loaded_plugin(def.name))
    st.init = loaded->init;
  st.def = std::move(def);
  st.session_user = {st.ctx.user().id, st.ctx.user().name};
  st.user_json = st.ctx.user().json();
  st.key = st.ctx.key();
  st.since = st.ctx.spec.since ? st.ctx.spec.since->str() : std::string{};
  st.api = std::make_shared<hosted_context>(st);
  return behavior;
}

plugin_factory hosted_factory(hosted_def def) {
  return configured_factory(hosted_plugin, std::move(def));
}

} // namespace sb
