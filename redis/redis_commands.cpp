#include "redis/redis_commands.hpp"

#include <algorithm>
#include <caf/all.hpp>

#include "actors/messages.hpp"
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
                 const std::shared_ptr<broker_status>& status) {
    for (auto& ep : shards)
      links_.push_back(std::make_unique<shard_link>(ep, t, status));
  }

  /// Runs one command on the shard of `key`; nullptr when Redis is away.
  reply_ptr run(const std::string& key, const std::vector<std::string>& argv) {
    auto& link = *links_[shard_of_key(key, links_.size())];
    if (!link.client.ensure_connected()) {
      link.health.set(false);
      return nullptr;
    }
    auto r = link.client.command(argv);
    link.health.set(r != nullptr);
    return r;
  }

  /// Keeps idle connections (and /readyz) current while no command comes.
  void reconnect_idle() {
    for (auto& link : links_)
      link->health.set(link->client.check());
  }

private:
  std::vector<std::unique_ptr<shard_link>> links_;
};

caf::result<std::string> xadd(command_runner& r, const std::string& key,
                              const std::vector<std::string>& fields, uint64_t maxlen) {
  std::vector<std::string> argv{"XADD", key};
  if (maxlen > 0)
    argv.insert(argv.end(), {"MAXLEN", "~", std::to_string(maxlen)});
  argv.push_back("*");
  argv.insert(argv.end(), fields.begin(), fields.end());
  auto rep = r.run(key, argv);
  if (!rep)
    return make_error(ec::unavailable);
  if (reply::is_error(rep.get()))
    return make_error(ec::internal);
  return reply::str(rep.get());
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

caf::result<stream_replay> replay(command_runner& r, const std::string& key,
                                  const std::string& after, uint64_t count) {
  auto since = stream_id::parse(after);
  if (!since)
    return make_error(ec::invalid_frame);
  auto info = r.run(key, {"XINFO", "STREAM", key});
  if (!info)
    return make_error(ec::unavailable);
  stream_replay result;
  result.recovered = reply::is_error(info.get()) // no such key: nothing was lost
                     || complete_after(info.get(), *since);
  auto rep = r.run(key, {"XRANGE", key, "(" + since->str(), "+", "COUNT", std::to_string(count)});
  if (!rep)
    return make_error(ec::unavailable);
  result.entries = parse_entries(rep.get());
  return result;
}

} // namespace

void redis_command_actor(caf::blocking_actor* self, std::vector<redis_endpoint> shards,
                         redis_timeouts timeouts, std::shared_ptr<broker_status> status) {
  command_runner runner{shards, timeouts, status};
  runner.reconnect_idle();
  bool running = true;
  self->receive_while(running)(
    [&](xadd_atom, const std::string& key, const std::vector<std::string>& fields,
        uint64_t maxlen) { return xadd(runner, key, fields, maxlen); },
    [&](publish_atom, const std::string& channel, const std::string& payload) {
      return publish(runner, channel, payload);
    },
    [&](tail_atom, const std::string& key, uint64_t count) { return tail(runner, key, count); },
    [&](replay_atom, const std::string& key, const std::string& after, uint64_t count) {
      return replay(runner, key, after, count);
    },
    [&](caf::exit_msg&) { running = false; },
    caf::after(std::chrono::seconds(1)) >> [&] { runner.reconnect_idle(); });
}

} // namespace sb
