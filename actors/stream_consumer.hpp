#pragma once
// One key of one consumer on a worker (core/actors.hpp,
// `stream_consumer_actor`): takes the key's entries from its reader
// (redis/consumer_reader), POSTs them to the consumer's webhook through
// the backend actor (plugins/backend), one at a time and in stream order,
// and acknowledges each after a 2xx. A failure is retried after
// retry_delay (core/consumer_rules); after max-attempts the entry goes to
// the dead-letter stream. While it holds entries it touches them every
// third of claim-after, so no other worker takes over a stream it is
// still working on. Spawned by the consumer actor (actors/consumer) when
// its key is found; quits when the key is gone.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "core/actors.hpp"

namespace sb {

struct stream_consumer_config {
  std::string key;           ///< `<stream>:<plugin>`
  std::string consumer;      ///< the consumer's name: its backend route
  std::string worker;        ///< this process's name in the group (dead letters say who)
  std::string default_event; ///< for entries that name none (the plugin's)
  uint32_t max_attempts = 10;
  std::chrono::milliseconds retry_delay{1000};
  std::chrono::milliseconds claim_after{30'000};
  std::chrono::milliseconds timeout{5000}; ///< the webhook's
};

struct stream_consumer_state {
  static inline const char* name = "stream_consumer";

  stream_consumer_config cfg;
  consumer_reader_actor reader;
  backend_actor backend;
  std::deque<stream_entry> batch; ///< taken, not yet acknowledged; the first is posted
  uint32_t failures = 0;          ///< of the first entry so far
  std::string last_error;
  /// Moves when the batch is dropped (another worker took the stream over,
  /// Redis failed): answers and timers of the old batch then do nothing.
  uint64_t generation = 0;
  bool working = false;      ///< a request or a retry timer is under way
  bool again = false;        ///< woken while working: ask once more when done
  bool touch_armed = false;  ///< the touch timer is set
};

stream_consumer_actor::behavior_type
stream_consumer(stream_consumer_actor::stateful_pointer<stream_consumer_state> self,
                stream_consumer_config cfg, consumer_reader_actor reader,
                backend_actor backend);

} // namespace sb
