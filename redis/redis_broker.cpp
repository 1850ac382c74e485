#include "redis/redis_broker.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <chrono>

#include "redis/redis_commands.hpp"
#include "redis/redis_listener.hpp"
#include "redis/redis_subscriber.hpp"
#include "redis/shard.hpp"

namespace sb {

namespace {

/// Forwards subscriber or listener traffic to the actor of the key's shard.
/// The shard actors are linked: they stop when the router stops.
caf::behavior shard_router(caf::event_based_actor* self, std::vector<caf::actor> shards) {
  for (auto& s : shards)
    self->link_to(s);
  auto pick = [shards](const std::string& key) {
    return shards[shard_of_key(key, shards.size())];
  };
  return {
    [self, pick](subscribe_atom, const std::string& channel, const caf::actor& topic) {
      return self->delegate(pick(channel), subscribe_atom::value, channel, topic);
    },
    [self, pick](unsubscribe_atom, const std::string& channel, const caf::actor& topic) {
      self->send(pick(channel), unsubscribe_atom::value, channel, topic);
    },
    [self, pick](listen_atom, const std::string& key, const caf::actor& topic) {
      return self->delegate(pick(key), listen_atom::value, key, topic);
    },
    [self, pick](unlisten_atom, const std::string& key, const caf::actor& topic) {
      self->send(pick(key), unlisten_atom::value, key, topic);
    },
  };
}

/// Sends all commands on one key to the same command actor, so that they run
/// in the order they were sent (two sends from one socket keep their order).
caf::behavior command_router(caf::event_based_actor* self, std::vector<caf::actor> pool) {
  for (auto& a : pool)
    self->link_to(a);
  auto pick = [pool](const std::string& key) { return pool[fnv1a(key) % pool.size()]; };
  return {
    [self, pick](xadd_atom, const std::string& key, std::vector<std::string>& fields,
                 uint64_t maxlen) {
      return self->delegate(pick(key), xadd_atom::value, key, std::move(fields), maxlen);
    },
    [self, pick](post_atom, const std::string& key, std::string& event, std::string& data,
                 uint64_t maxlen, bool live_only) {
      return self->delegate(pick(key), post_atom::value, key, std::move(event),
                            std::move(data), maxlen, live_only);
    },
    [self, pick](publish_atom, const std::string& channel, std::string& payload) {
      return self->delegate(pick(channel), publish_atom::value, channel, std::move(payload));
    },
    [self, pick](tail_atom, const std::string& key, uint64_t count) {
      return self->delegate(pick(key), tail_atom::value, key, count);
    },
    [self, pick](replay_atom, const std::string& key, const std::string& after, uint64_t n) {
      return self->delegate(pick(key), replay_atom::value, key, after, n);
    },
    [self, pick](before_atom, const std::string& key, const std::string& id, uint64_t n) {
      return self->delegate(pick(key), before_atom::value, key, id, n);
    },
    [self, pick](pres_add_atom, const std::string& key, const presence_conn& c, uint64_t t) {
      return self->delegate(pick(key), pres_add_atom::value, key, c, t);
    },
    [self, pick](pres_ping_atom, const std::string& key, const std::string& conn, uint64_t t) {
      return self->delegate(pick(key), pres_ping_atom::value, key, conn, t);
    },
    [self, pick](pres_rm_atom, const std::string& key, const std::string& conn) {
      return self->delegate(pick(key), pres_rm_atom::value, key, conn);
    },
    [self, pick](pres_sweep_atom, const std::string& key, uint64_t now) {
      return self->delegate(pick(key), pres_sweep_atom::value, key, now);
    },
    [self, pick](pres_list_atom, const std::string& key) {
      return self->delegate(pick(key), pres_list_atom::value, key);
    },
    [self, pick](pres_count_atom, const std::string& key) {
      return self->delegate(pick(key), pres_count_atom::value, key);
    },
    [self, pick](mark_get_atom, const std::string& key, const std::string& user) {
      return self->delegate(pick(key), mark_get_atom::value, key, user);
    },
    [self, pick](mark_set_atom, const std::string& key, const std::string& user,
                 const std::string& id) {
      return self->delegate(pick(key), mark_set_atom::value, key, user, id);
    },
  };
}

/// One actor per shard, each made by `spawn_one(endpoint, shard index)`.
template <class Fn>
caf::actor spawn_router(caf::actor_system& sys, const redis_broker_config& cfg, Fn spawn_one) {
  std::vector<caf::actor> shards;
  for (size_t i = 0; i < cfg.shards.size(); ++i)
    shards.push_back(spawn_one(cfg.shards[i], i));
  return sys.spawn(shard_router, std::move(shards));
}

} // namespace

broker_handles spawn_redis_broker(caf::actor_system& sys, const redis_broker_config& cfg,
                                  std::shared_ptr<broker_status> status) {
  broker_handles out;
  auto liveness = std::make_shared<subscriber_liveness>(cfg.shards.size());
  std::vector<caf::actor> pool;
  for (size_t i = 0; i < cfg.pool_size; ++i)
    pool.push_back(
      sys.spawn(redis_command_actor, cfg.shards, cfg.timeouts, status, liveness));
  out.command = sys.spawn(command_router, std::move(pool));
  // The connections that hear Redis retry at least twice a second: while
  // one is away every socket of this node misses pub-sub events, and a
  // quiet node has no command traffic whose reconnect would wake them. One
  // connect per node and shard every 500 ms is nothing to a Redis.
  auto hearing = cfg.timeouts;
  hearing.backoff_max = std::min(hearing.backoff_max, std::chrono::milliseconds(500));
  out.subscriber = spawn_router(sys, cfg, [&](const redis_endpoint& ep, size_t i) {
    return sys.spawn(redis_subscriber, ep, hearing, status, subscriber_shard{i, liveness});
  });
  out.listener = spawn_router(sys, cfg, [&](const redis_endpoint& ep, size_t) {
    return sys.spawn(redis_listener, ep, hearing, status);
  });
  return out;
}

} // namespace sb
