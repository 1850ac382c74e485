#pragma once
// Wires one Switchboard node together: the broker actors, the topic
// registry, the plugin registry and the HTTP server whose upgraded sockets
// become connection actors. main() builds one, runs it until a signal, and
// stops it; integration tests run the binary that does exactly that.

#include <caf/fwd.hpp>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "actors/connection.hpp"
#include "actors/plugin_setup.hpp"
#include "net/server.hpp"
#include "redis/broker_status.hpp"

namespace sb {

class api_handler;

class node {
public:
  node(caf::actor_system& sys, std::shared_ptr<const settings> config, plugin_set plugins);
  ~node();

  /// Spawns the actors and starts listening; an error if the port is taken.
  std::error_code start();

  /// With admin.port set: spawns the admin actor and publishes it on the
  /// middleman (which main() loaded), so `switchboard ctl` reaches this
  /// node. `config` is what `ctl config` shows. An error text if the port
  /// is taken; "" when published or admin.port is 0.
  std::string start_admin(std::vector<config_entry> config);

  /// Graceful stop: closes every socket with 1001 within the drain time,
  /// then ends every actor of the node and waits for them.
  void stop();

private:
  void spawn_broker();
  /// Stops the backend actor and waits until it (and its io thread) is gone.
  void stop_backend();

  caf::actor_system& sys_;
  std::shared_ptr<broker_status> status_; ///< null for the memory broker
  std::vector<backend_route> backend_routes_; ///< proxies' backends; empty without
  node_context ctx_;
  std::unique_ptr<server> server_;
  std::unique_ptr<api_handler> api_;
  disconnector_actor disconnector_;
  memory_trimmer_actor trimmer_;
  admin_actor admin_; ///< null without admin.port
};

} // namespace sb
