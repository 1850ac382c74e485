#pragma once
// Actors one at a time under CAF's deterministic scheduler (the way
// zeek/broker tests its actors): test_coordinator runs one message when a
// test says so, `expect(...)` checks each message on its way, and timeouts
// fire when a test triggers them. A socket is a recording_sink; a plugin is
// a fake_plugin. Include after defining CAF_SUITE.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/connection.hpp"
#include "actors/socket_directory.hpp"
#include "core/actors.hpp"
#include "core/frame.hpp"

// Last: it defines macros (`allow`, `expect`) that would rename members above.
// Its request<T>() helper calls FAIL, which CAF's own test tree defines.
#define FAIL(what) CAF_FAIL(what)
#include <caf/test/dsl.hpp>

namespace sb::test {

/// A socket that keeps the payload of every frame written to it.
class recording_sink : public frame_sink {
public:
  void send(frame_ptr frame) override;
  void close(uint16_t code, std::string reason) override;

  std::vector<std::string> frames; ///< payloads, in order
  std::optional<std::pair<uint16_t, std::string>> closed;
};

/// The payload of one server frame (its WebSocket header stripped).
std::string payload_of(const std::string& frame);

/// What the fake plugins of the tests saw, by the last one spawned.
struct fake_plugin_log {
  std::vector<std::string> commands; ///< "event data" per command
  plugin_actor last;                 ///< the last fake plugin spawned
  bool started = false;
};

fake_plugin_log& fake_log();

/// Registers `fake` (answers open and start at once, records commands)
/// and `silent` (never answers open) in `registry`.
void register_fake_plugins(plugin_registry& registry);

/// A backend for the route `route` (a proxy plugin's, a consumer's) that
/// records each request's JSON and answers when the test says so
/// (answered_atom with the request's index).
struct fake_backend_state {
  std::vector<nlohmann::json> hooks;
  std::vector<caf::typed_response_promise<backend_response>> waiting;
};

using fake_backend_state_actor = backend_actor::stateful_base<fake_backend_state>;

backend_actor::behavior_type fake_backend(backend_actor::stateful_pointer<fake_backend_state> self,
                                          std::string route);

/// A deterministic actor system with the memory broker, a topic registry
/// and a node context for connections.
struct actor_fixture : test_coordinator_fixture<> {
  actor_fixture();
  ~actor_fixture() override;

  memory_broker_actor broker;
  /// Actors a test spawned that must quit at its end (connections).
  std::vector<caf::actor> spawned;
  topic_registry_actor registry;
  node_context node;
};

} // namespace sb::test
