#pragma once
// The backend actor (core/actors.hpp, `backend_actor`): one per node that
// has proxy plugins. A proxy instance asks it to POST a hook and gets the
// backend's answer as the response; the actor knows, per plugin, where
// the backend is and with what key, and owns the pooled HTTP client
// (plugins/backend_client) and its io thread. So a proxy instance holds
// nothing local to this process (its context names the actor), and the
// blocking parts, sockets and timers, never touch an actor's thread.

#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/actors.hpp"

namespace sb {

/// Where one proxy plugin's hooks go.
struct backend_route {
  std::string plugin;        ///< the plugin's name
  std::string host;
  uint16_t port = 80;
  std::string target;        ///< path and query
  std::string authorization; ///< the Authorization header; empty: none
  std::chrono::milliseconds timeout{5000};
};

/// Spawns the backend actor for `routes`, hidden: it outlives every proxy
/// instance (their close hooks go through it); the node stops it last.
backend_actor spawn_backend(caf::actor_system& sys, std::vector<backend_route> routes);

} // namespace sb
