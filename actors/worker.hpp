#pragma once
// The actor a `switchboard worker` process (actors/worker_main) offers to
// the serving nodes it joins: it spawns plugin instances here, from this
// process's own plugin registry (the same built-ins, and the relays,
// proxies and libraries of its own configuration). An instance then talks
// to its connection, topic and broker on the serving node, all through
// handles in its context; it monitors its connection, so it ends when that
// node goes away.

#include <caf/fwd.hpp>
#include <memory>

#include "core/actors.hpp"
#include "plugins/plugin.hpp"

namespace sb {

worker_actor spawn_worker(caf::actor_system& sys,
                          std::shared_ptr<const plugin_registry> plugins);

} // namespace sb
