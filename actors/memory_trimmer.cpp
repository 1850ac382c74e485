#include "actors/memory_trimmer.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/log.hpp"
#include "core/actors.hpp"
#include "core/metrics.hpp"

namespace sb {

namespace {

struct trimmer_state {
  std::chrono::milliseconds interval{};
  uint64_t closed_at_last_trim = 0;
};

uint64_t sockets_closed() {
  auto& m = metrics::global();
  auto open = m.sockets_open.load(std::memory_order_relaxed);
  auto opened = m.sockets_opened.load(std::memory_order_relaxed);
  return opened - static_cast<uint64_t>(std::max<int64_t>(open, 0));
}

void trim() {
#if defined(__GLIBC__)
  auto started = std::chrono::steady_clock::now();
  malloc_trim(0);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - started);
  log::debug("memory", "malloc_trim took ", took.count(), " us");
#endif
}

memory_trimmer_actor::behavior_type
memory_trimmer(memory_trimmer_actor::stateful_pointer<trimmer_state> self,
               std::chrono::milliseconds interval) {
  self->state.interval = interval;
  self->state.closed_at_last_trim = sockets_closed();
  self->delayed_send(self, interval, tick_atom::value);
  return {
    [=](tick_atom) {
      // The two gauges behind sockets_closed() are read apart, so the count
      // may dip by a socket that was opening: never let it wrap around.
      auto closed = std::max(sockets_closed(), self->state.closed_at_last_trim);
      auto open = metrics::global().sockets_open.load(std::memory_order_relaxed);
      if (trim_is_due(closed - self->state.closed_at_last_trim, open)) {
        trim();
        self->state.closed_at_last_trim = closed;
      }
      self->delayed_send(self, self->state.interval, tick_atom::value);
    },
  };
}

} // namespace

bool trim_is_due(uint64_t closed, int64_t open) {
  // A quarter of the open sockets: a big node churning steadily trims no
  // more often than its heap is worth walking.
  return closed >= std::max<uint64_t>(1000, static_cast<uint64_t>(std::max<int64_t>(open, 0)) / 4);
}

memory_trimmer_actor spawn_memory_trimmer(caf::actor_system& sys, std::chrono::milliseconds interval) {
  // Detached: malloc_trim walks and locks each arena, which on a big heap
  // takes milliseconds that must not stall a scheduler thread.
  return sys.spawn<caf::detached>(memory_trimmer, interval);
}

} // namespace sb
