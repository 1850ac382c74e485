#pragma once
// Hears failovers of a Sentinel-managed primary (redis.mode = sentinel): a
// detached actor subscribed to `+switch-master` on one sentinel at a time
// (the next one when it loses it), which tells the process-wide
// sentinel_resolver where the new primary is. Every redis_client of the
// process then drops its connection to the old primary and connects to the
// new one. After each (re)subscription it asks the sentinels once, so a
// switch announced while it was away is not missed.
//
// Spawned by the Redis broker (and the worker's consumers) once per
// sentinel endpoint; stops on an exit message (it is linked to its owner).

#include <caf/fwd.hpp>

#include "config/redis_url.hpp"
#include "redis/redis_client.hpp"

namespace sb {

void sentinel_watcher(caf::blocking_actor* self, redis_endpoint endpoint,
                      redis_timeouts timeouts);

/// Spawns a watcher (detached) for each sentinel endpoint of `endpoints`.
std::vector<caf::actor> spawn_sentinel_watchers(caf::actor_system& sys,
                                                const std::vector<redis_endpoint>& endpoints,
                                                const redis_timeouts& timeouts);

} // namespace sb
