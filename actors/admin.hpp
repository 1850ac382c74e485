#pragma once
// The node's admin actor: what `switchboard ctl` (actors/ctl) asks a
// running node through CAF's middleman. It reads the node's counters, walks
// its sockets (socket_directory, then each connection's describe) and its
// topics (the topic registry), and closes sockets through the server, the
// same way /api/disconnect does. Workers join the node through it
// (`switchboard worker --join`), handed on to the worker pool. The node spawns it and publishes it on
// admin.port when that is set; nothing else on the node talks to it.

#include <caf/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/actors.hpp"

namespace sb {

class server;
class socket_directory;

struct admin_context {
  server* srv = nullptr;                     ///< outlives the admin (node::stop)
  std::shared_ptr<socket_directory> sockets;
  topic_registry_actor topics;
  broker_handles broker;                     ///< for the cluster's disconnect channel
  worker_pool_actor workers;                 ///< where workers join (actors/worker_pool)
  std::vector<config_entry> config;          ///< print-config's values, masked
};

/// `reason`, or a default when it is empty or not UTF-8 (the close frame's
/// encoder cuts a long one on a character boundary).
std::string kick_reason(const std::string& reason);

admin_actor spawn_admin(caf::actor_system& sys, admin_context ctx);

} // namespace sb
