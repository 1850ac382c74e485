#pragma once
// The workers that joined one serving node (`switchboard worker --join`,
// through the admin actor), and the plugin instances each hosts for it.
// Connections ask it to place an instance of a plugin with `placement =
// worker`: it goes to the worker hosting the fewest, which spawns it from
// its own registry (actors/worker). It monitors workers and instances: a
// worker that dies or loses its link leaves the pool, so the next spec
// goes elsewhere, or gets `unavailable` when none is left. `ctl workers`
// reads it through the admin actor.

#include <caf/fwd.hpp>
#include <chrono>

#include "core/actors.hpp"

namespace sb {

/// `host_timeout`: how long a worker may take to spawn an instance. Below
/// the connection's 10 s for a whole open (4 s on a node), so that a stuck
/// worker comes back as `unavailable` in the socket's reply.
worker_pool_actor spawn_worker_pool(caf::actor_system& sys,
                                    std::chrono::milliseconds host_timeout);

} // namespace sb
