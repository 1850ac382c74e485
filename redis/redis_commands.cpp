#include "redis/redis_commands.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "core/actors.hpp"
#include "core/metrics.hpp"
#include "core/event_codec.hpp"
#include "redis/lua_script.hpp"
#include "redis/post_script.hpp"
#include "redis/presence_scripts.hpp"
#include "redis/presence_store.hpp"
#include "redis/redis_entries.hpp"
#include "redis/shard.hpp"

namespace sb {

namespace {

/// One connection per shard plus its readiness flag.
struct shard_link {
  shard_link(const redis_endpoint& ep, redis_timeouts t, std::shared_ptr<broker_status> s)
    : client(ep, t, "command"), health(std::move(s)) {
  }
  redis_client client;
  broker_status::flag health;
};

class command_runner {
public:
  command_runner(const std::vector<redis_endpoint>& shards, redis_timeouts t,
                 const std::shared_ptr<broker_status>& status,
                 std::shared_ptr<const subscriber_liveness> liveness)
    : command_timeout_(t.command), liveness_(std::move(liveness)) {
    for (auto& ep : shards)
      links_.push_back(std::make_unique<shard_link>(ep, t, status));
  }

  std::chrono::milliseconds command_timeout() const { return command_timeout_; }

  /// Redis' clock minus ours on the shard of `key` (see redis_client).
  int64_t clock_offset_ms(const std::string& key) const {
    return links_[shard_of_key(key, links_.size())]->client.clock_offset_ms();
  }

  /// Whether this node's subscriber hears the channel `key` right now.
  bool heard(const std::string& key) const {
    return liveness_->live(shard_of_key(key, links_.size()));
  }

  /// Runs one command on the shard of `key`; nullptr when Redis is away.
  reply_ptr run(const std::string& key, const std::vector<std::string>& argv) {
    auto& link = *links_[shard_of_key(key, links_.size())];
    if (!link.client.ensure_connected()) {
      link.health.set(false);
      return nullptr;
    }
    auto started = std::chrono::steady_clock::now();
    auto r = link.client.command(argv);
    metrics::global().broker_latency(std::chrono::steady_clock::now() - started);
    link.health.set(r != nullptr);
    return r;
  }

  /// redis.wait-replicas of the shard of `key` (0: no WAIT).
  int wait_replicas(const std::string& key) const {
    return links_[shard_of_key(key, links_.size())]->client.endpoint().wait_replicas;
  }

  /// Which connection to the shard of `key` this is (see redis_client).
  uint64_t connection_serial(const std::string& key) const {
    return links_[shard_of_key(key, links_.size())]->client.connection_serial();
  }

  /// Keeps idle connections (and /readyz) current while no command comes.
  void reconnect_idle() {
    for (auto& link : links_)
      link->health.set(link->client.check());
  }

private:
  std::chrono::milliseconds command_timeout_;
  std::vector<std::unique_ptr<shard_link>> links_;
  std::shared_ptr<const subscriber_liveness> liveness_;
};

/// The code for a command that failed: `unavailable` when Redis is away or
/// cannot do it now (out of memory under noeviction, still loading its data
/// after a restart, busy with a script, a post past its deadline), so the
/// client may try again later; `internal` for anything else.
ec failure_code(const reply_ptr& rep) {
  if (!rep)
    return ec::unavailable;
  auto text = reply::str(rep.get());
  for (auto prefix : {"OOM ", "EXPIRED ", "LOADING ", "BUSY ", "MASTERDOWN ", "READONLY ",
                      "TRYAGAIN "})
    if (text.rfind(prefix, 0) == 0)
      return ec::unavailable;
  return ec::internal;
}

caf::result<uint64_t> publish(command_runner& r, const std::string& channel,
                              const std::string& payload) {
  auto rep = r.run(channel, {"PUBLISH", channel, payload});
  if (!rep)
    return make_error(ec::unavailable);
  return static_cast<uint64_t>(reply::integer(rep.get()));
}

caf::result<std::vector<stream_entry>> tail(command_runner& r, const std::string& key,
                                            uint64_t count) {
  if (count == 0)
    return std::vector<stream_entry>{};
  auto rep = r.run(key, {"XREVRANGE", key, "+", "-", "COUNT", std::to_string(count)});
  if (!rep)
    return make_error(ec::unavailable);
  auto entries = parse_entries(rep.get());
  std::reverse(entries.begin(), entries.end());
  return entries;
}

caf::result<std::vector<stream_entry>> before(command_runner& r, const std::string& key,
                                              const std::string& before_id, uint64_t count) {
  auto id = stream_id::parse(before_id);
  if (!id)
    return make_error(ec::invalid_frame);
  if (count == 0)
    return std::vector<stream_entry>{};
  auto rep = r.run(key, {"XREVRANGE", key, "(" + id->str(), "-", "COUNT", std::to_string(count)});
  if (!rep)
    return make_error(ec::unavailable);
  if (reply::is_error(rep.get())) // "(0-0" is no valid range: nothing is older
    return std::vector<stream_entry>{};
  auto entries = parse_entries(rep.get());
  std::reverse(entries.begin(), entries.end());
  return entries;
}

caf::result<stream_replay> replay(command_runner& r, const std::string& key,
                                  const std::string& after, uint64_t count) {
  auto since = stream_id::parse(after);
  if (!since)
    return make_error(ec::invalid_frame);
  auto info = r.run(key, {"XINFO", "STREAM", key});
  if (!info)
    return make_error(ec::unavailable);
  stream_replay result;
  // No such key: only a client that never saw an entry has lost nothing.
  result.recovered = reply::is_error(info.get()) ? since->zero()
                                                 : complete_after(info.get(), *since);
  auto rep = r.run(key, {"XRANGE", key, "(" + since->str(), "+", "COUNT", std::to_string(count)});
  if (!rep)
    return make_error(ec::unavailable);
  result.entries = parse_entries(rep.get());
  return result;
}

// --- Lua scripts, by EVALSHA with EVAL as the fallback ---------------------------

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

/// Runs `s` on the shard of `shard_key` with `keys` and `args`; a Redis
/// that lost its script cache (a restart) gets the body again.
reply_ptr eval_script(command_runner& r, const std::string& shard_key, const script& s,
                      const std::vector<std::string>& keys,
                      const std::vector<std::string>& args) {
  return eval_lua([&](const std::vector<std::string>& argv) { return r.run(shard_key, argv); },
                  s, keys, args);
}

/// Runs a presence script on `key` (`<stream>:presence`) and its two
/// companion keys.
reply_ptr eval(command_runner& r, const std::string& key, const script& s,
               const std::vector<std::string>& args) {
  return eval_script(r, key, s, {key, key + ":expiry", key + ":users"}, args);
}

uint64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
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
  auto now = now_ms();
  auto latest = now + static_cast<uint64_t>(r.command_timeout().count()) / 2;
  if (requester_deadline != 0)
    latest = std::min(latest, requester_deadline - std::min(requester_deadline, reply_margin));
  return latest > now ? latest : 0;
}

/// With redis.wait-replicas = N, an append counts once N replicas have it
/// (WAIT on the connection that wrote it, within half the command
/// timeout): Redis replicates asynchronously, and an entry only the primary
/// holds dies with it. Fewer replicas: `unavailable`, saying the entry was
/// stored on the primary but may be lost (docs/redis.md, "wait-replicas").
std::optional<caf::error> unreplicated(command_runner& r, const std::string& key) {
  auto wanted = r.wait_replicas(key);
  if (wanted <= 0)
    return std::nullopt;
  auto timeout = std::max<int64_t>(1, r.command_timeout().count() / 2);
  auto writer = r.connection_serial(key);
  auto rep = r.run(key, {"WAIT", std::to_string(wanted), std::to_string(timeout)});
  bool same_connection = r.connection_serial(key) == writer; // else WAIT counts nothing of ours
  auto got = rep && !reply::is_error(rep.get()) && same_connection ? reply::integer(rep.get())
                                                                   : -1;
  if (got >= wanted)
    return std::nullopt;
  count(metrics::global().redis_wait_short);
  return make_error(ec::unavailable,
                    "stored on the primary but not replicated (" + std::to_string(std::max(got, 0ll))
                      + " of " + std::to_string(wanted) + " replicas confirmed within "
                      + std::to_string(timeout) + " ms): it may be delivered, or lost");
}

caf::result<std::string> post(command_runner& r, const std::string& key,
                              const std::string& event, const std::string& data,
                              uint64_t maxlen, bool live_only, uint64_t deadline_ms) {
  if (live_only && !r.heard(key))
    return make_error(ec::unavailable);
  auto latest = store_deadline(r, deadline_ms);
  if (latest == 0)
    return make_error(ec::unavailable); // its requester is (nearly) gone
  static const script s{post_lua::post};
  // The payload as encode_published writes it, cut where the id goes.
  static const std::string marker = "\x01id\x01";
  auto payload = encode_published(event, marker, data);
  auto at = payload.find(marker);
  auto redis_deadline = static_cast<int64_t>(latest) + r.clock_offset_ms(key);
  auto rep = eval_script(r, key, s, {key},
                         {std::to_string(maxlen), event, data, payload.substr(0, at),
                          payload.substr(at + marker.size()), std::to_string(redis_deadline)});
  if (!rep || reply::is_error(rep.get()))
    return make_error(failure_code(rep));
  if (auto short_of = unreplicated(r, key))
    return *short_of;
  return reply::str(rep.get());
}

/// Keys outlive the last heartbeat by a few TTLs, then Redis drops them.
std::string key_ttl(uint64_t expires) {
  auto now = now_ms();
  return std::to_string(3 * (expires > now ? expires - now : 1000) + 1000);
}

template <class T>
caf::result<T> failed(const reply_ptr& rep) {
  return make_error(failure_code(rep));
}

caf::result<bool> presence_add(command_runner& r, const std::string& key,
                               const presence_conn& c, uint64_t expires) {
  auto rep = eval(r, key, add_script(),
                  {c.conn, c.user_json, c.user_id, std::to_string(expires), key_ttl(expires)});
  if (!rep || reply::is_error(rep.get()))
    return failed<bool>(rep);
  return reply::integer(rep.get()) == 1;
}

caf::result<bool> presence_ping(command_runner& r, const std::string& key,
                                const std::string& conn, uint64_t expires) {
  auto rep = eval(r, key, ping_script(), {conn, std::to_string(expires), key_ttl(expires)});
  if (!rep || reply::is_error(rep.get()))
    return failed<bool>(rep);
  return reply::integer(rep.get()) == 1;
}

caf::result<std::string> presence_remove(command_runner& r, const std::string& key,
                                         const std::string& conn) {
  auto rep = eval(r, key, remove_script(), {conn});
  if (!rep || reply::is_error(rep.get()))
    return failed<std::string>(rep);
  return reply::str(rep.get());
}

caf::result<std::vector<std::string>> presence_sweep(command_runner& r, const std::string& key,
                                                     uint64_t now) {
  auto rep = eval(r, key, sweep_script(), {std::to_string(now)});
  if (!rep || reply::is_error(rep.get()))
    return failed<std::vector<std::string>>(rep);
  std::vector<std::string> left;
  for (size_t i = 0; i < reply::size(rep.get()); ++i)
    left.push_back(reply::str(reply::at(rep.get(), i)));
  return left;
}

caf::result<std::vector<presence_user>> presence_list(command_runner& r,
                                                      const std::string& key) {
  auto rep = r.run(key, {"HVALS", key});
  if (!rep || reply::is_error(rep.get()))
    return failed<std::vector<presence_user>>(rep);
  std::vector<std::string> users;
  for (size_t i = 0; i < reply::size(rep.get()); ++i)
    users.push_back(reply::str(reply::at(rep.get(), i)));
  return count_connections(users);
}

caf::result<uint64_t> presence_count(command_runner& r, const std::string& key) {
  auto rep = r.run(key, {"HLEN", key + ":users"});
  if (!rep || reply::is_error(rep.get()))
    return failed<uint64_t>(rep);
  return static_cast<uint64_t>(reply::integer(rep.get()));
}

// --- read marks ---------------------------------------------------------------------

caf::result<std::string> mark_get(command_runner& r, const std::string& key,
                                  const std::string& user) {
  auto rep = r.run(key, {"HGET", key + ":read", user});
  if (!rep || reply::is_error(rep.get()))
    return failed<std::string>(rep);
  return reply::str(rep.get());
}

caf::result<std::string> mark_set(command_runner& r, const std::string& key,
                                  const std::string& user, const std::string& id) {
  if (!stream_id::parse(id))
    return make_error(ec::invalid_frame);
  static const script s{presence_lua::mark_set};
  auto rep = eval_script(r, key, s, {key + ":read"}, {user, id});
  if (!rep || reply::is_error(rep.get()))
    return failed<std::string>(rep);
  return reply::str(rep.get());
}

} // namespace

void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         redis_timeouts timeouts, std::shared_ptr<broker_status> status,
                         std::shared_ptr<const subscriber_liveness> liveness) {
  command_runner runner{shards, timeouts, status, std::move(liveness)};
  runner.reconnect_idle();
  bool running = true;
  self->receive_while(running)(
    [&](post_atom, const std::string& key, const std::string& event, const std::string& data,
        uint64_t maxlen, bool live_only, uint64_t deadline_ms) {
      return post(runner, key, event, data, maxlen, live_only, deadline_ms);
    },
    [&](publish_atom, const std::string& channel, const std::string& payload) {
      return publish(runner, channel, payload);
    },
    [&](publish_atom, const std::string& channel, const std::string& payload,
        bool live_only) -> caf::result<uint64_t> {
      if (live_only && !runner.heard(channel))
        return make_error(ec::unavailable);
      return publish(runner, channel, payload);
    },
    [&](tail_atom, const std::string& key, uint64_t count) { return tail(runner, key, count); },
    [&](replay_atom, const std::string& key, const std::string& after, uint64_t count) {
      return replay(runner, key, after, count);
    },
    [&](before_atom, const std::string& key, const std::string& id, uint64_t count) {
      return before(runner, key, id, count);
    },
    [&](pres_add_atom, const std::string& key, const presence_conn& c, uint64_t expires) {
      return presence_add(runner, key, c, expires);
    },
    [&](pres_ping_atom, const std::string& key, const std::string& conn, uint64_t expires) {
      return presence_ping(runner, key, conn, expires);
    },
    [&](pres_rm_atom, const std::string& key, const std::string& conn) {
      return presence_remove(runner, key, conn);
    },
    [&](pres_sweep_atom, const std::string& key, uint64_t now) {
      return presence_sweep(runner, key, now);
    },
    [&](pres_list_atom, const std::string& key) { return presence_list(runner, key); },
    [&](pres_count_atom, const std::string& key) { return presence_count(runner, key); },
    [&](mark_get_atom, const std::string& key, const std::string& user) {
      return mark_get(runner, key, user);
    },
    [&](mark_set_atom, const std::string& key, const std::string& user, const std::string& id) {
      return mark_set(runner, key, user, id);
    },
    [&](caf::exit_msg&) { running = false; },
    caf::after(std::chrono::seconds(1)) >> [&] { runner.reconnect_idle(); });
}

} // namespace sb
