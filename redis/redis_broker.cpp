#include "redis/redis_broker.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>

#include "redis/cluster_keys.hpp"
#include "redis/cluster_listener.hpp"
#include "redis/cluster_subscriber.hpp"
#include "redis/redis_commands.hpp"
#include "redis/redis_listener.hpp"
#include "redis/redis_subscriber.hpp"
#include "redis/sentinel_watcher.hpp"
#include "redis/shard.hpp"

namespace sb {

namespace {

/// CAF 0.17 cannot give a blocking actor a typed interface. Every blocking
/// Redis actor is spawned through here and handed out under its role's
/// handle: the one place where the compiler takes our word for it. Each
/// one's receive loop handles exactly its role's messages (see its file).
template <class Handle, class F, class... Ts>
Handle spawn_blocking(caf::actor_system& sys, F fn, Ts&&... xs) {
  return caf::actor_cast<Handle>(sys.spawn(fn, std::forward<Ts>(xs)...));
}

/// Forwards each channel to the subscriber of its shard. The shard actors
/// are linked: they stop when the router stops; so are `others` (the
/// sentinel watchers).
subscriber_actor::behavior_type subscriber_router(subscriber_actor::pointer self,
                                                  std::vector<subscriber_actor> shards,
                                                  std::vector<caf::actor> others) {
  for (auto& s : shards)
    self->link_to(s);
  for (auto& o : others)
    self->link_to(o);
  auto pick = [shards](const std::string& key) {
    return shards[shard_of_key(key, shards.size())];
  };
  return {
    [self, pick](subscribe_atom, const std::string& channel, const channel_actor& receiver) {
      return self->delegate(pick(channel), subscribe_atom::value, channel, receiver);
    },
    [self, pick](unsubscribe_atom, const std::string& channel, const channel_actor& receiver) {
      self->send(pick(channel), unsubscribe_atom::value, channel, receiver);
    },
  };
}

/// Forwards each stream key to the listener of its shard; linked likewise.
listener_actor::behavior_type listener_router(listener_actor::pointer self,
                                              std::vector<listener_actor> shards) {
  for (auto& s : shards)
    self->link_to(s);
  auto pick = [shards](const std::string& key) {
    return shards[shard_of_key(key, shards.size())];
  };
  return {
    [self, pick](listen_atom, const std::string& key, const stream_actor& receiver) {
      return self->delegate(pick(key), listen_atom::value, key, receiver);
    },
    [self, pick](unlisten_atom, const std::string& key, const stream_actor& receiver) {
      self->send(pick(key), unlisten_atom::value, key, receiver);
    },
  };
}

/// Sends all commands on one key to the same command actor, so that they run
/// in the order they were sent (two sends from one socket keep their order).
/// Every command names its key first: one forwarding rule serves them all.
/// In a cluster, keys go out hash-tagged (redis/cluster_keys).
broker_command_actor::behavior_type command_router(broker_command_actor::pointer self,
                                                   std::vector<broker_command_actor> pool,
                                                   bool cluster) {
  for (auto& a : pool)
    self->link_to(a);
  auto forward = [self, pool, cluster](auto atom, const std::string& key, auto&&... args) {
    auto& target = pool[fnv1a(key) % pool.size()];
    return self->delegate(target, atom, cluster ? cluster_key(key) : key,
                          std::forward<decltype(args)>(args)...);
  };
  return {
    [forward](post_atom a, const std::string& key, std::string& event, std::string& data,
              uint64_t maxlen, bool live_only, uint64_t deadline_ms) {
      return forward(a, key, std::move(event), std::move(data), maxlen, live_only, deadline_ms);
    },
    [forward](publish_atom a, const std::string& channel, std::string& payload) {
      return forward(a, channel, std::move(payload));
    },
    [forward](publish_atom a, const std::string& channel, std::string& payload, bool live_only) {
      return forward(a, channel, std::move(payload), live_only);
    },
    [forward](tail_atom a, const std::string& key, uint64_t count) {
      return forward(a, key, count);
    },
    [forward](replay_atom a, const std::string& key, const std::string& after, uint64_t n) {
      return forward(a, key, after, n);
    },
    [forward](before_atom a, const std::string& key, const std::string& id, uint64_t n) {
      return forward(a, key, id, n);
    },
    [forward](pres_add_atom a, const std::string& key, const presence_conn& c, uint64_t t) {
      return forward(a, key, c, t);
    },
    [forward](pres_ping_atom a, const std::string& key, const std::string& conn, uint64_t t) {
      return forward(a, key, conn, t);
    },
    [forward](pres_rm_atom a, const std::string& key, const std::string& conn) {
      return forward(a, key, conn);
    },
    [forward](pres_sweep_atom a, const std::string& key, uint64_t now) {
      return forward(a, key, now);
    },
    [forward](pres_list_atom a, const std::string& key) { return forward(a, key); },
    [forward](pres_count_atom a, const std::string& key) { return forward(a, key); },
    [forward](mark_get_atom a, const std::string& key, const std::string& user) {
      return forward(a, key, user);
    },
    [forward](mark_set_atom a, const std::string& key, const std::string& user,
              const std::string& id) { return forward(a, key, user, id); },
  };
}

/// The connections that hear Redis retry at least twice a second: while
/// one is away every socket of this node misses pub-sub events, and a
/// quiet node has no command traffic whose reconnect would wake them. One
/// connect per node and shard every 500 ms is nothing to a Redis.
redis_timeouts hearing_timeouts(redis_timeouts t) {
  t.backoff_max = std::min(t.backoff_max, std::chrono::milliseconds(500));
  return t;
}

std::vector<broker_command_actor>
spawn_command_pool(caf::actor_system& sys, const redis_broker_config& cfg,
                   const std::shared_ptr<broker_status>& status,
                   const std::shared_ptr<subscriber_liveness>& liveness) {
  std::vector<broker_command_actor> pool;
  for (size_t i = 0; i < cfg.pool_size; ++i)
    pool.push_back(spawn_blocking<broker_command_actor>(sys, redis_command_actor, cfg.shards,
                                                        cfg.cluster, i == 0, cfg.timeouts,
                                                        status, liveness));
  return pool;
}

/// redis.mode = cluster: one subscriber and one stream listener for the
/// whole cluster, each with a connection per master (redis/shard_channels).
broker_handles spawn_cluster_broker(caf::actor_system& sys, const redis_broker_config& cfg,
                                    const std::shared_ptr<broker_status>& status) {
  broker_handles out;
  auto liveness = std::make_shared<subscriber_liveness>(1);
  out.command = sys.spawn(command_router, spawn_command_pool(sys, cfg, status, liveness), true);
  auto hearing = hearing_timeouts(cfg.timeouts);
  out.subscriber = spawn_blocking<subscriber_actor>(sys, redis_cluster_subscriber, cfg.shards,
                                                    hearing, status, liveness);
  out.listener =
    spawn_blocking<listener_actor>(sys, redis_cluster_listener, cfg.shards, hearing, status);
  return out;
}

} // namespace

broker_handles spawn_redis_broker(caf::actor_system& sys, const redis_broker_config& cfg,
                                  std::shared_ptr<broker_status> status) {
  if (cfg.cluster)
    return spawn_cluster_broker(sys, cfg, status);
  broker_handles out;
  auto liveness = std::make_shared<subscriber_liveness>(cfg.shards.size());
  out.command = sys.spawn(command_router, spawn_command_pool(sys, cfg, status, liveness), false);
  auto hearing = hearing_timeouts(cfg.timeouts);
  std::vector<subscriber_actor> subscribers;
  std::vector<listener_actor> listeners;
  for (size_t i = 0; i < cfg.shards.size(); ++i) {
    subscribers.push_back(spawn_blocking<subscriber_actor>(
      sys, redis_subscriber, cfg.shards[i], hearing, status, subscriber_shard{i, liveness}));
    listeners.push_back(
      spawn_blocking<listener_actor>(sys, redis_listener, cfg.shards[i], hearing, status));
  }
  out.subscriber = sys.spawn(subscriber_router, std::move(subscribers),
                            spawn_sentinel_watchers(sys, cfg.shards, hearing));
  out.listener = sys.spawn(listener_router, std::move(listeners));
  return out;
}

} // namespace sb
