#pragma once
// The stream consumers of one worker process (`switchboard worker`): one
// consumer actor per `[consumers.<name>]` (actors/consumer) and one backend
// actor (plugins/backend) that POSTs to their webhooks, a route per
// consumer. run_worker starts them and stops them at shutdown.

#include <caf/fwd.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "core/actors.hpp"
#include "plugins/plugin.hpp"

namespace sb {

class consumer_set {
public:
  consumer_set() = default;
  /// `watchers`: the sentinel watchers (redis/sentinel_watcher) the
  /// consumers' connections follow failovers by; stopped with them.
  consumer_set(std::vector<consumer_actor> consumers, backend_actor backend,
               std::vector<caf::actor> watchers = {});
  consumer_set(consumer_set&&) = default;
  consumer_set& operator=(consumer_set&&) = default;
  ~consumer_set();

  /// Stops every consumer (their readers' threads end) and the backend
  /// actor. Entries being posted stay pending: another worker, or this
  /// one's successor after claim-after, posts them again.
  void stop();
  size_t size() const { return consumers_.size(); }

private:
  std::vector<consumer_actor> consumers_;
  backend_actor backend_;
  std::vector<caf::actor> watchers_;
};

/// Starts the consumers of `config.consumers` (none: an empty set) on the
/// Redis servers of `config.redis_shards`, named `worker` in every
/// consumer group (consumer_name()). `plugins` gives each key's default
/// event: the process's registry, libraries included; null: the built-ins
/// and configured plugins only.
consumer_set start_consumers(caf::actor_system& sys, const settings& config,
                             std::string worker,
                             std::shared_ptr<const plugin_registry> plugins = nullptr);

/// This process's name in the consumer groups: the worker's name (node.id,
/// or host:pid) and 8 random hex digits, unique to this start even where
/// every container is pid 1 on the same host name, so a restarted worker
/// never takes its predecessor's pending entries for its own.
std::string consumer_name(const std::string& worker_name);

} // namespace sb
