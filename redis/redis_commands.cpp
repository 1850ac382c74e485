#include "redis/redis_commands.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "core/actors.hpp"
#include "core/metrics.hpp"
#include "core/event_codec.hpp"
#include "core/unix_time.hpp"
#include "core/log.hpp"
#include "redis/cluster_router.hpp"
#include "redis/command_pipeline.hpp"
#include "redis/lua_script.hpp"
#include "redis/post_script.hpp"
#include "redis/presence_scripts.hpp"
#include "redis/presence_store.hpp"
#include "redis/redis_entries.hpp"
#include "redis/replica_wait.hpp"
#include "redis/shard.hpp"

namespace sb {

namespace {

/// The script behind `post` (redis/post_script.hpp).
const lua_script& post_script() {
  static const lua_script s{post_lua::post};
  return s;
}

/// One connection per shard (or, in a cluster, per node met) plus its
/// readiness flag.
struct shard_link {
  shard_link(redis_client& c, std::shared_ptr<broker_status> s)
    : client(c), health(std::move(s)) {
  }
  redis_client& client;
  broker_status::flag health;
};

class command_runner {
public:
  command_runner(const std::vector<redis_endpoint>& shards, bool cluster, redis_timeouts t,
                 const std::shared_ptr<broker_status>& status,
                 std::shared_ptr<const subscriber_liveness> liveness)
    : command_timeout_(t.command),
      status_(status),
      liveness_(std::move(liveness)),
      batch_(0),
      wait_replicas_(shards.empty() ? 0 : shards.front().wait_replicas) {
    if (cluster) {
      router_ = std::make_unique<cluster_router>(shards, t, "command");
      if (router_->refresh())
        link_masters();
      batch_.on_redirect([this](size_t link, command_pipeline::argv& cmd, const lua_script* s,
                                reply_ptr& rep) { return redirected(link, cmd, s, rep); });
      return;
    }
    for (auto& ep : shards) {
      owned_.push_back(std::make_unique<redis_client>(ep, t, "command"));
      add_link(*owned_.back());
    }
  }

  bool cluster() const { return router_ != nullptr; }

  /// Only one command actor of the pool counts failovers in the metrics.
  void counts_failovers(bool yes) { counts_failovers_ = yes; }

  std::chrono::milliseconds command_timeout() const { return command_timeout_; }

  /// Redis' clock minus ours on the shard of `key` (see redis_client).
  int64_t clock_offset_ms(const std::string& key) {
    auto i = shard(key);
    return i < 0 ? 0 : links_[static_cast<size_t>(i)]->client.clock_offset_ms();
  }

  /// Whether this node's subscriber hears the channel `key` right now (a
  /// cluster's subscriber answers for all its shards at once).
  bool heard(const std::string& key) {
    return liveness_->live(cluster() ? 0 : static_cast<size_t>(shard(key)));
  }

  /// Queues commands on the shard of `key` for the next flush().
  void queue(const std::string& key, std::vector<command_pipeline::argv> commands,
             command_pipeline::done_fn done) {
    auto i = shard(key);
    if (i < 0)
      return unreachable(commands.size(), done);
    batch_.add(static_cast<size_t>(i), std::move(commands), std::move(done));
  }

  /// Queues a Lua script on the shard of `shard_key` (EVALSHA; a Redis that
  /// lost its script cache gets the body).
  void queue_script(const std::string& shard_key, const lua_script& s,
                    const std::vector<std::string>& keys, const std::vector<std::string>& args,
                    command_pipeline::done_fn done, command_pipeline::refresh_fn refresh = {}) {
    queue_script_on(shard(shard_key), s, keys, args, std::move(done), std::move(refresh));
  }

  /// The same on shard `i` (shard_of()); -1 answers `unavailable`.
  void queue_script_on(int i, const lua_script& s, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args, command_pipeline::done_fn done,
                       command_pipeline::refresh_fn refresh = {}) {
    if (i < 0)
      return unreachable(1, done);
    batch_.add_script(static_cast<size_t>(i), s, keys, args, std::move(done), std::move(refresh));
  }

  /// The shard of `key` now: a post asks once and queues both its script
  /// and its WAIT there (a refresh between two lookups could split them).
  int shard_of(const std::string& key) { return shard(key); }

  /// The `done` of a post's script on shard `i`: with redis.wait-replicas
  /// = N, a stored post is answered once the shard's WAIT says N replicas
  /// have it, else it goes to `unreplicated`. A post a redirect ran on
  /// another node was confirmed there by its own WAIT (redirected()).
  command_pipeline::done_fn replicated(int i, command_pipeline::done_fn done,
                                       replica_wait::short_fn unreplicated) {
    if (i < 0)
      return done; // queue_script_on() answers it `unavailable`
    auto held = waits_[static_cast<size_t>(i)]->hold(done, std::move(unreplicated));
    if (!cluster() || wait_replicas_ == 0)
      return held; // only a cluster's redirect confirms a post elsewhere
    return [this, held = std::move(held), done = std::move(done)](
             command_pipeline::replies& reps) mutable {
      if (std::exchange(confirmed_elsewhere_, false))
        return done(reps);
      held(reps);
    };
  }

  size_t queued() const { return batch_.size(); }

  /// Runs everything queued: one pipeline per shard.
  void flush() {
    bool lost = false;
    for (size_t i = 0; i < links_.size() && batch_.size() > 0; ++i) {
      if (batch_.size(i) == 0)
        continue; // a shard with nothing to do is not even checked
      if (waits_[i]->holding()) // after its last post, on the same connection
        batch_.add_wait(i, waits_[i]->command(), waits_[i]->release());
      auto& link = *links_[i];
      if (!link.client.ready()) {
        link.health.set(false);
        batch_.fail(i);
        lost = true;
        continue;
      }
      auto commands = batch_.size(i);
      auto started = std::chrono::steady_clock::now();
      auto whole = batch_.run(i, link.client);
      link.health.set(whole);
      lost = lost || !whole;
      auto took = std::chrono::steady_clock::now() - started;
      for (size_t n = 0; n < commands; ++n) // each waited that long for its reply
        metrics::global().broker_latency(took);
    }
    if (lost && cluster())
      remap(); // a master may be failing over: learn where its slots go
    if (cluster())
      for (size_t i = 0; i < links_.size(); ++i)
        if (!router_->serving(i))
          links_[i]->health.set(true); // a node that serves nothing is not waited for
  }

  /// Keeps idle connections (and /readyz) current while no command comes.
  void reconnect_idle() {
    if (cluster() && router_->stale())
      remap();
    bool lost = false;
    for (size_t i = 0; i < links_.size(); ++i) {
      if (cluster() && !router_->serving(i)) {
        links_[i]->health.set(true); // a node that serves nothing is not waited for
        continue;
      }
      auto up = links_[i]->client.check();
      links_[i]->health.set(up);
      lost = lost || !up;
    }
    if (cluster() && (lost || links_.empty()))
      remap();
  }

private:
  /// The shard of `key`: by hash over fixed servers, or the link to the
  /// master that serves its slot (-1: none known, the cluster is away).
  int shard(const std::string& key) {
    if (!cluster())
      return static_cast<int>(shard_of_key(key, links_.size()));
    auto i = router_->master_of(key);
    adopt_links();
    return i;
  }

  void add_link(redis_client& client) {
    links_.push_back(std::make_unique<shard_link>(client, status_));
    // Within half the command timeout, like the store deadline: the
    // reply has the other half to come back.
    waits_.push_back(std::make_unique<replica_wait>(wait_replicas_, command_timeout_ / 2));
    batch_.grow(links_.size());
  }

  /// A link to every master of the map, used or not yet: reconnect_idle()
  /// checks each one that serves slots, so /readyz says whether every
  /// master is reachable, not only those this node had commands for.
  void link_masters() {
    for (auto& master : router_->map().masters())
      router_->link_to(master);
    adopt_links();
  }

  /// Gives each connection the router made since a link of our own.
  void adopt_links() {
    while (links_.size() < router_->links())
      add_link(router_->connection(links_.size()));
  }

  /// Reads the slot map again and counts a failover when a master lost
  /// its slots with its connection.
  void remap() {
    std::vector<bool> served(links_.size());
    for (size_t i = 0; i < links_.size(); ++i)
      served[i] = router_->serving(i) && !links_[i]->client.connected();
    if (!router_->refresh())
      return;
    link_masters();
    for (size_t i = 0; i < served.size(); ++i)
      if (served[i] && !router_->serving(i)) {
        log::warning("redis", "cluster master ", router_->node(i).describe(),
                     " lost its slots while unreachable: failed over");
        links_[i]->health.set(true);
        if (counts_failovers_)
          count(metrics::global().redis_failovers);
      }
  }

  void unreachable(size_t commands, command_pipeline::done_fn& done) {
    command_pipeline::replies none(commands);
    done(none);
  }

  /// A MOVED or ASK in a pipelined reply: the command again where it
  /// goes now (a script as EVAL with its body: that node may not have
  /// loaded it). With redis.wait-replicas, a post stored elsewhere is
  /// answered only once that node's WAIT confirms it (nullptr: lost).
  bool redirected(size_t link, command_pipeline::argv& cmd, const lua_script* s,
                  reply_ptr& rep) {
    auto redirect = router_->follow(rep.get(), router_->node(link));
    if (!redirect)
      return false;
    if (s) {
      cmd[0] = "EVAL";
      cmd[1] = s->body;
    }
    size_t answered = link;
    rep = router_->resend(*redirect, cmd, &answered);
    adopt_links();
    links_[answered]->health.set(rep != nullptr);
    if (s == &post_script() && wait_replicas_ > 0 && rep && !reply::is_error(rep.get())) {
      // The batch's WAIT counts its own connection's writes, not this
      // one: this post gets a WAIT of its own where it ran, on the same
      // connection (a new one would count none of its writes).
      auto& c = router_->connection(answered);
      auto wrote = c.generation();
      auto confirmed = c.command(waits_[answered]->command());
      if (!confirmed || c.generation() != wrote
          || reply::integer(confirmed.get()) < wait_replicas_)
        rep = nullptr;
      else
        confirmed_elsewhere_ = true; // replicated(): answer it now, not after the batch's WAIT
    }
    return true;
  }

  std::chrono::milliseconds command_timeout_;
  std::shared_ptr<broker_status> status_;
  std::unique_ptr<cluster_router> router_;               ///< cluster mode only
  std::vector<std::unique_ptr<redis_client>> owned_;     ///< other modes
  std::vector<std::unique_ptr<shard_link>> links_;
  std::shared_ptr<const subscriber_liveness> liveness_;
  command_pipeline batch_;
  int wait_replicas_;
  bool counts_failovers_ = false;
  /// Set by redirected() for the post whose done runs next: its own WAIT
  /// confirmed it on the node it was sent on to.
  bool confirmed_elsewhere_ = false;
  std::vector<std::unique_ptr<replica_wait>> waits_; ///< one per link; held posts point into it
};

/// Answers the request a handler is running for, once its replies came:
/// with a value or an error. An asynchronous message (a `publish` sent
/// without waiting) gets nothing.
template <class T>
class answer {
public:
  explicit answer(caf::response_promise rp) : rp_(std::move(rp)) {
  }
  void operator()(caf::expected<T> x) {
    if (!rp_.pending() || rp_.async())
      return;
    if (x)
      rp_.deliver(std::move(*x));
    else
      rp_.deliver(std::move(x.error()));
  }

private:
  caf::response_promise rp_;
};

/// The code for a command that failed: `unavailable` when Redis is away or
/// cannot do it now (out of memory under noeviction, still loading its data
/// after a restart, busy with a script, a post past its deadline, a cluster
/// failing over or moving the slot past our redirect limit), so the
/// client may try again later; `internal` for anything else.
ec failure_code(const reply_ptr& rep) {
  if (!rep)
    return ec::unavailable;
  auto text = reply::str(rep.get());
  for (auto prefix : {"OOM ", "EXPIRED ", "LOADING ", "BUSY ", "MASTERDOWN ", "READONLY ",
                      "TRYAGAIN ", "CLUSTERDOWN ", "MOVED ", "ASK "})
    if (text.rfind(prefix, 0) == 0)
      return ec::unavailable;
  return ec::internal;
}

/// One reply, checked: `failure_code` for a lost connection or an error.
template <class T, class F>
command_pipeline::done_fn on_reply(answer<T> done, F convert) {
  return [done, convert](command_pipeline::replies& reps) mutable {
    auto& rep = reps[0];
    if (!rep || reply::is_error(rep.get()))
      return done(make_error(failure_code(rep)));
    done(convert(rep.get()));
  };
}

std::vector<stream_entry> newest_last(const redisReply* r) {
  auto entries = parse_entries(r);
  std::reverse(entries.begin(), entries.end());
  return entries;
}

/// A cluster's pub-sub is sharded: published to the shard that owns the
/// channel's slot, heard by SSUBSCRIBE there (redis/cluster_subscriber).
std::string publish_command(const command_runner& r) {
  return r.cluster() ? "SPUBLISH" : "PUBLISH";
}

void publish(command_runner& r, const std::string& channel, const std::string& payload,
             answer<uint64_t> done) {
  r.queue(channel, {{publish_command(r), channel, payload}},
          [done](command_pipeline::replies& reps) mutable {
            if (!reps[0])
              return done(make_error(ec::unavailable));
            done(static_cast<uint64_t>(reply::integer(reps[0].get())));
          });
}

void tail(command_runner& r, const std::string& key, uint64_t count,
          answer<std::vector<stream_entry>> done) {
  if (count == 0)
    return done(std::vector<stream_entry>{});
  r.queue(key, {{"XREVRANGE", key, "+", "-", "COUNT", std::to_string(count)}},
          [done](command_pipeline::replies& reps) mutable {
            if (!reps[0])
              return done(make_error(ec::unavailable));
            done(newest_last(reps[0].get()));
          });
}

void before(command_runner& r, const std::string& key, const std::string& before_id,
            uint64_t count, answer<std::vector<stream_entry>> done) {
  auto id = stream_id::parse(before_id);
  if (!id)
    return done(make_error(ec::invalid_frame));
  if (count == 0)
    return done(std::vector<stream_entry>{});
  r.queue(key, {{"XREVRANGE", key, "(" + id->str(), "-", "COUNT", std::to_string(count)}},
          [done](command_pipeline::replies& reps) mutable {
            if (!reps[0])
              return done(make_error(ec::unavailable));
            if (reply::is_error(reps[0].get())) // "(0-0" is no valid range: nothing is older
              return done(std::vector<stream_entry>{});
            done(newest_last(reps[0].get()));
          });
}

void replay(command_runner& r, const std::string& key, const std::string& after,
            uint64_t count, answer<stream_replay> done) {
  auto since = stream_id::parse(after);
  if (!since)
    return done(make_error(ec::invalid_frame));
  r.queue(key,
          {{"XINFO", "STREAM", key},
           {"XRANGE", key, "(" + since->str(), "+", "COUNT", std::to_string(count)}},
          [done, since = *since](command_pipeline::replies& reps) mutable {
            if (!reps[0] || !reps[1])
              return done(make_error(ec::unavailable));
            stream_replay result;
            // No such key: only a client that never saw an entry has lost nothing.
            result.recovered = reply::is_error(reps[0].get())
                                 ? since.zero()
                                 : complete_after(reps[0].get(), since);
            result.entries = parse_entries(reps[1].get());
            done(std::move(result));
          });
}

// --- Lua scripts, by EVALSHA (SCRIPT LOAD ahead on a new connection) ------------

using script = lua_script;

const script& add_script() {
  static const script s{presence_lua::add};
  return s;
}
const script& ping_script() {
  static const script s{presence_lua::ping};
  return s;
}
const script& remove_script() {
  static const script s{std::string{presence_lua::drop_fn} + presence_lua::remove};
  return s;
}
const script& sweep_script() {
  static const script s{std::string{presence_lua::drop_fn} + presence_lua::sweep};
  return s;
}

/// Queues a presence script on `key` (`<stream>:presence`) and its two
/// companion keys.
void eval(command_runner& r, const std::string& key, const script& s,
          const std::vector<std::string>& args, command_pipeline::done_fn done) {
  r.queue_script(key, s, {key, key + ":expiry", key + ":users"}, args, std::move(done));
}

/// The last moment (ms since the epoch, our clock) Redis may still store a
/// post, or 0 when that is already past. A stalled Redis (SIGSTOP, DEBUG
/// SLEEP, a slow disk) runs what it had buffered when it wakes up, long
/// after this node gave up on the reply and answered `unavailable`: stored
/// then, the message would exist though the client was told it does not,
/// and sent again, it would exist twice. So the script stores only within
/// half the command timeout (the reply has the other half to come back),
/// and not within a margin of the requester's own deadline.
uint64_t store_deadline(const command_runner& r, uint64_t requester_deadline) {
  constexpr uint64_t reply_margin = 250;
  auto now = unix_ms();
  auto latest = now + static_cast<uint64_t>(r.command_timeout().count()) / 2;
  if (requester_deadline != 0)
    latest = std::min(latest, requester_deadline - std::min(requester_deadline, reply_margin));
  return latest > now ? latest : 0;
}

void post(command_runner& r, const std::string& key, const std::string& event,
          const std::string& data, uint64_t maxlen, bool live_only, uint64_t deadline_ms,
          answer<std::string> done) {
  if (live_only && !r.heard(key))
    return done(make_error(ec::unavailable));
  if (store_deadline(r, deadline_ms) == 0)
    return done(make_error(ec::unavailable)); // its requester is (nearly) gone
  // The payload as encode_published writes it, cut where the id goes.
  static const std::string marker = "\x01id\x01";
  auto payload = encode_published(event, marker, data);
  auto at = payload.find(marker);
  // The deadline is written when this shard's share of the batch goes
  // out, which may be after another shard's share waited out a stalled
  // Redis. 1 (long past) when the requester gave up meanwhile: refused.
  auto at_write = [&r, key, deadline_ms](command_pipeline::argv& cmd) {
    auto latest = store_deadline(r, deadline_ms);
    cmd.back() = std::to_string(latest == 0 ? 1
                                            : static_cast<int64_t>(latest) + r.clock_offset_ms(key));
  };
  auto shard = r.shard_of(key);
  r.queue_script_on(shard, post_script(), {key},
                    {std::to_string(maxlen), event, data, payload.substr(0, at),
                     payload.substr(at + marker.size()), publish_command(r),
                     std::string{} /* the deadline */},
                    r.replicated(shard,
                                 on_reply(done,
                                          [](const redisReply* rep) { return reply::str(rep); }),
                                 [done](caf::error err) mutable { done(std::move(err)); }),
                    at_write);
}

/// Keys outlive the last heartbeat by a few TTLs, then Redis drops them.
std::string key_ttl(uint64_t expires) {
  auto now = unix_ms();
  return std::to_string(3 * (expires > now ? expires - now : 1000) + 1000);
}

bool one(const redisReply* rep) {
  return reply::integer(rep) == 1;
}

void presence_add(command_runner& r, const std::string& key, const presence_conn& c,
                  uint64_t expires, answer<bool> done) {
  eval(r, key, add_script(),
       {c.conn, c.user_json, c.user_id, std::to_string(expires), key_ttl(expires)},
       on_reply(done, one));
}

void presence_ping(command_runner& r, const std::string& key, const std::string& conn,
                   uint64_t expires, answer<bool> done) {
  eval(r, key, ping_script(), {conn, std::to_string(expires), key_ttl(expires)},
       on_reply(done, one));
}

std::vector<std::string> strings(const redisReply* rep) {
  std::vector<std::string> out;
  for (size_t i = 0; i < reply::size(rep); ++i)
    out.push_back(reply::str(reply::at(rep, i)));
  return out;
}

void presence_remove(command_runner& r, const std::string& key, const std::string& conn,
                     answer<std::string> done) {
  eval(r, key, remove_script(), {conn},
       on_reply(done, [](const redisReply* rep) { return reply::str(rep); }));
}

void presence_sweep(command_runner& r, const std::string& key, uint64_t now,
                    answer<std::vector<std::string>> done) {
  eval(r, key, sweep_script(), {std::to_string(now)}, on_reply(done, strings));
}

void presence_list(command_runner& r, const std::string& key,
                   answer<std::vector<presence_user>> done) {
  r.queue(key, {{"HVALS", key}}, on_reply(done, [](const redisReply* rep) {
            return count_connections(strings(rep));
          }));
}

void presence_count(command_runner& r, const std::string& key, answer<uint64_t> done) {
  r.queue(key, {{"HLEN", key + ":users"}}, on_reply(done, [](const redisReply* rep) {
            return static_cast<uint64_t>(reply::integer(rep));
          }));
}

// --- read marks ---------------------------------------------------------------------

void mark_get(command_runner& r, const std::string& key, const std::string& user,
              answer<std::string> done) {
  r.queue(key, {{"HGET", key + ":read", user}},
          on_reply(done, [](const redisReply* rep) { return reply::str(rep); }));
}

void mark_set(command_runner& r, const std::string& key, const std::string& user,
              const std::string& id, answer<std::string> done) {
  if (!stream_id::parse(id))
    return done(make_error(ec::invalid_frame));
  static const script s{presence_lua::mark_set};
  r.queue_script(key, s, {key + ":read"}, {user, id},
                 on_reply(done, [](const redisReply* rep) { return reply::str(rep); }));
}

} // namespace

/// Most commands a batch takes from the mailbox: a long burst is cut so
/// that the first replies do not wait for the whole of it.
constexpr size_t max_batch = 256;

void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         bool cluster, bool counts_failovers, redis_timeouts timeouts,
                         std::shared_ptr<broker_status> status,
                         std::shared_ptr<const subscriber_liveness> liveness) {
  command_runner runner{shards, cluster, timeouts, status, std::move(liveness)};
  runner.counts_failovers(counts_failovers);
  runner.reconnect_idle();
  bool running = true;
  // Each handler queues its commands and answers once their replies came.
  auto later = [self](auto run) -> caf::response_promise {
    auto rp = self->make_response_promise();
    run(rp);
    return rp;
  };
  // One message, waiting up to `wait` for it (then `idle` runs).
  auto receive_one = [&](std::chrono::milliseconds wait, auto idle) {
    self->receive(
    [&](post_atom, const std::string& key, const std::string& event, const std::string& data,
        uint64_t maxlen, bool live_only, uint64_t deadline_ms) -> caf::result<std::string> {
      return later([&](auto rp) {
        post(runner, key, event, data, maxlen, live_only, deadline_ms, answer<std::string>{rp});
      });
    },
    [&](publish_atom, const std::string& channel,
        const std::string& payload) -> caf::result<uint64_t> {
      return later([&](auto rp) { publish(runner, channel, payload, answer<uint64_t>{rp}); });
    },
    [&](publish_atom, const std::string& channel, const std::string& payload,
        bool live_only) -> caf::result<uint64_t> {
      if (live_only && !runner.heard(channel))
        return make_error(ec::unavailable);
      return later([&](auto rp) { publish(runner, channel, payload, answer<uint64_t>{rp}); });
    },
    [&](tail_atom, const std::string& key,
        uint64_t count) -> caf::result<std::vector<stream_entry>> {
      return later(
        [&](auto rp) { tail(runner, key, count, answer<std::vector<stream_entry>>{rp}); });
    },
    [&](replay_atom, const std::string& key, const std::string& after,
        uint64_t count) -> caf::result<stream_replay> {
      return later([&](auto rp) { replay(runner, key, after, count, answer<stream_replay>{rp}); });
    },
    [&](before_atom, const std::string& key, const std::string& id,
        uint64_t count) -> caf::result<std::vector<stream_entry>> {
      return later(
        [&](auto rp) { before(runner, key, id, count, answer<std::vector<stream_entry>>{rp}); });
    },
    [&](pres_add_atom, const std::string& key, const presence_conn& c,
        uint64_t expires) -> caf::result<bool> {
      return later([&](auto rp) { presence_add(runner, key, c, expires, answer<bool>{rp}); });
    },
    [&](pres_ping_atom, const std::string& key, const std::string& conn,
        uint64_t expires) -> caf::result<bool> {
      return later([&](auto rp) { presence_ping(runner, key, conn, expires, answer<bool>{rp}); });
    },
    [&](pres_rm_atom, const std::string& key,
        const std::string& conn) -> caf::result<std::string> {
      return later([&](auto rp) { presence_remove(runner, key, conn, answer<std::string>{rp}); });
    },
    [&](pres_sweep_atom, const std::string& key,
        uint64_t now) -> caf::result<std::vector<std::string>> {
      return later([&](auto rp) {
        presence_sweep(runner, key, now, answer<std::vector<std::string>>{rp});
      });
    },
    [&](pres_list_atom, const std::string& key) -> caf::result<std::vector<presence_user>> {
      return later(
        [&](auto rp) { presence_list(runner, key, answer<std::vector<presence_user>>{rp}); });
    },
    [&](pres_count_atom, const std::string& key) -> caf::result<uint64_t> {
      return later([&](auto rp) { presence_count(runner, key, answer<uint64_t>{rp}); });
    },
    [&](mark_get_atom, const std::string& key,
        const std::string& user) -> caf::result<std::string> {
      return later([&](auto rp) { mark_get(runner, key, user, answer<std::string>{rp}); });
    },
    [&](mark_set_atom, const std::string& key, const std::string& user,
        const std::string& id) -> caf::result<std::string> {
      return later([&](auto rp) { mark_set(runner, key, user, id, answer<std::string>{rp}); });
    },
    [&](caf::exit_msg&) { running = false; },
    caf::after(wait) >> idle);
  };
  while (running) {
    // Wait for the first command, then take whatever else is queued (one
    // wake-up, one write and one read for the lot), then run them.
    receive_one(std::chrono::seconds(1), [&] { runner.reconnect_idle(); });
    for (size_t n = 0; running && n < max_batch && self->has_next_message(); ++n)
      receive_one(std::chrono::milliseconds(0), [] {});
    runner.flush();
  }
  runner.flush();
}

} // namespace sb
