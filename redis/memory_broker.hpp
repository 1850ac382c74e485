#pragma once
// The embedded broker: one actor playing all three broker roles (command,
// subscriber, stream listener) over a memory_store, for a single node with
// no Redis. Topics and plugins talk to it exactly as they will to the Redis
// actors, so `pub-sub`, `streams` and `since` behave the same on both.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <unordered_map>
#include <vector>

#include "core/actors.hpp"
#include "redis/memory_store.hpp"
#include "redis/presence_store.hpp"

namespace sb {

struct memory_broker_state {
  static inline const char* name = "memory_broker";

  memory_store store;
  presence_store presence;
  /// Read marks: base key -> user -> last read id (they only move forward).
  std::unordered_map<std::string, std::unordered_map<std::string, stream_id>> marks;
  /// Channel -> subscribed receivers. Entries are erased when empty so
  /// that short-lived streams leave nothing behind.
  std::unordered_map<std::string, std::vector<channel_actor>> channels;
  /// Stream key -> listening receivers.
  std::unordered_map<std::string, std::vector<stream_actor>> listeners;

  std::string post(const std::string& key, const std::string& event, std::string data,
                   uint64_t maxlen);
  uint64_t publish(const std::string& channel, const std::string& payload);
  std::string mark_get(const std::string& key, const std::string& user) const;
  caf::result<std::string> mark_set(const std::string& key, const std::string& user,
                                    const std::string& id);
  template <class Handle>
  void add(std::unordered_map<std::string, std::vector<Handle>>& map, const std::string& key,
           Handle who);
  template <class Handle>
  void remove(std::unordered_map<std::string, std::vector<Handle>>& map,
              const std::string& key, const Handle& who);

  memory_broker_actor::stateful_pointer<memory_broker_state> self = nullptr;
};

/// The unused argument works around CAF 0.17, which dereferences a null
/// argument tuple when a function actor takes no arguments (UBSan stops it).
memory_broker_actor::behavior_type
memory_broker(memory_broker_actor::stateful_pointer<memory_broker_state> self, int unused);

/// Spawns the memory broker; all three handles point to the same actor.
broker_handles spawn_memory_broker(caf::actor_system& sys);

} // namespace sb
