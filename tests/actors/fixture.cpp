#define CAF_SUITE fixture
#include "tests/actors/fixture.hpp"

#include "actors/topic_registry.hpp"
#include "config/settings.hpp"
#include "redis/memory_broker.hpp"

namespace sb::test {

void recording_sink::send(frame_ptr frame) {
  frames.push_back(payload_of(*frame));
}

void recording_sink::close(uint16_t code, std::string reason) {
  if (!closed)
    closed.emplace(code, std::move(reason));
}

std::string payload_of(const std::string& frame) {
  size_t len = static_cast<uint8_t>(frame[1]) & 0x7F;
  size_t header = len == 126 ? 4 : len == 127 ? 10 : 2;
  return frame.substr(header);
}

backend_actor::behavior_type fake_backend(backend_actor::stateful_pointer<fake_backend_state> self,
                                          std::string route) {
  return {
    [self, route](backend_atom, const std::string& plugin, const std::string& body)
      -> caf::result<backend_response> {
      if (plugin != route) // as the real one: a route it does not know
        return backend_response{0, {}, "no backend is configured for plugin " + plugin};
      self->state.hooks.push_back(nlohmann::json::parse(body));
      auto rp = self->make_response_promise<backend_response>();
      self->state.waiting.push_back(rp);
      return rp;
    },
    [self](answered_atom, uint64_t i, backend_response& res) {
      self->state.waiting.at(i).deliver(std::move(res));
    },
  };
}

fake_plugin_log& fake_log() {
  static fake_plugin_log log;
  return log;
}

namespace {

/// Quits with its connection, as real plugins do.
void follow_connection(plugin_actor::pointer self, const plugin_context& ctx) {
  self->monitor(ctx.connection);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
}

plugin_actor::behavior_type fake_plugin(plugin_actor::pointer self, plugin_context ctx) {
  follow_connection(self, ctx);
  return {
    [](open_atom) { return open_result{}; },
    [](start_atom) {
      fake_log().started = true;
      return ok_atom::value;
    },
    [](command_atom, const std::string& event, const std::string&, const std::string& data) {
      fake_log().commands.push_back(event + " " + data);
    },
    [self](close_atom) { self->quit(); },
  };
}

plugin_actor::behavior_type silent_plugin(plugin_actor::pointer self, plugin_context ctx) {
  follow_connection(self, ctx);
  return {
    [self](open_atom) -> caf::result<open_result> {
      return self->make_response_promise<open_result>(); // never kept
    },
    [](start_atom) { return ok_atom::value; },
    [](command_atom, const std::string&, const std::string&, const std::string&) {},
    [self](close_atom) { self->quit(); },
  };
}

plugin_actor spawn_fake(caf::actor_system& sys, plugin_context ctx) {
  fake_log().last = sys.spawn(fake_plugin, std::move(ctx));
  return fake_log().last;
}

plugin_actor spawn_silent(caf::actor_system& sys, plugin_context ctx) {
  return sys.spawn(silent_plugin, std::move(ctx));
}

} // namespace

void register_fake_plugins(plugin_registry& registry) {
  registry.add({"fake", "message", spawn_fake});
  registry.add({"silent", "message", spawn_silent});
}

actor_fixture::actor_fixture() {
  fake_log() = fake_plugin_log{};
  broker = sys.spawn(memory_broker, 0);
  broker_handles handles{broker, broker, broker};
  registry = sys.spawn(topic_registry, handles);
  auto plugins = std::make_shared<plugin_registry>();
  register_fake_plugins(*plugins);
  node = node_context{std::make_shared<settings>(), std::move(plugins), registry, handles,
                      plugin_settings{}, backend_actor{}, std::make_shared<socket_directory>(),
                      worker_pool_actor{}};
  run();
}

actor_fixture::~actor_fixture() {
  // Every actor quits, so the system does not wait for them at its end.
  for (auto& a : spawned)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  run();
}

} // namespace sb::test
