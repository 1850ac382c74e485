#pragma once
// Gives memory back to the operating system after load goes away. glibc's
// malloc keeps freed pages in its per-thread arenas, so a reconnect storm
// or 100,000 short-lived streams would leave the process at its high-water
// mark for good. Every `interval` this actor looks at how many sockets
// closed since it last trimmed; after enough (1,000, or a quarter of the
// sockets still open, whichever is more) it calls malloc_trim(0), which
// returns every whole free page. Steady traffic with no closes never pays
// for a trim. A detached actor (its own thread), so a slow trim stalls no
// scheduler thread. Spawned and stopped by the node; talks to nobody.

#include <caf/fwd.hpp>
#include <chrono>
#include <cstdint>

#include "core/actors.hpp"

namespace sb {

memory_trimmer_actor spawn_memory_trimmer(caf::actor_system& sys,
                                          std::chrono::milliseconds interval);

/// The trimmer's rule: `closed` sockets since the last trim, `open` now.
bool trim_is_due(uint64_t closed, int64_t open);

} // namespace sb
