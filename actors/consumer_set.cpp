#include "actors/consumer_set.hpp"

#include <caf/all.hpp>
#include <random>

#include "actors/consumer.hpp"
#include "actors/plugin_setup.hpp"
#include "core/log.hpp"
#include "plugins/backend.hpp"
#include "redis/sentinel_watcher.hpp"

namespace sb {

consumer_set::consumer_set(std::vector<consumer_actor> consumers, backend_actor backend,
                           std::vector<caf::actor> watchers)
  : consumers_(std::move(consumers)), backend_(std::move(backend)),
    watchers_(std::move(watchers)) {
}

consumer_set::~consumer_set() {
  stop();
}

void consumer_set::stop() {
  for (auto& c : consumers_)
    caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  consumers_.clear();
  if (backend_)
    caf::anon_send_exit(backend_, caf::exit_reason::user_shutdown);
  backend_ = nullptr;
  for (auto& w : watchers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  watchers_.clear();
}

namespace {

backend_route route_of(const consumer_settings& c, const settings& config) {
  return {c.name,
          c.webhook_host,
          c.webhook_port,
          c.webhook_target,
          config.api_key.empty() ? std::string{} : "Bearer " + config.api_key,
          c.timeout};
}

/// The built-in and configured plugins, for their default events.
std::shared_ptr<const plugin_registry> plugins_of(const settings& config) {
  auto set = make_plugin_set(config, {});
  if (auto p = std::get_if<plugin_set>(&set))
    return p->registry;
  return nullptr; // a clash: the worker refused to start already
}

} // namespace

consumer_set start_consumers(caf::actor_system& sys, const settings& config,
                             std::string worker,
                             std::shared_ptr<const plugin_registry> plugins) {
  if (config.consumers.empty())
    return {};
  std::vector<backend_route> routes;
  for (auto& c : config.consumers)
    routes.push_back(route_of(c, config));
  auto backend = spawn_backend(sys, std::move(routes));
  redis_timeouts timeouts{config.redis_connect_timeout, config.redis_command_timeout,
                          config.redis_backoff_max};
  if (!plugins)
    plugins = plugins_of(config);
  std::vector<consumer_actor> consumers;
  for (auto& c : config.consumers) {
    log::info("consumer", c.name, " as ", worker, ": ", c.streams, " -> ", c.webhook_url,
              " (max-attempts ", c.max_attempts, ", claim-after ", c.claim_after.count(), " ms)");
    consumers.push_back(sys.spawn(consumer, consumer_config{c, worker, config.redis_shards,
                                                            timeouts, plugins},
                                  backend));
  }
  return {std::move(consumers), std::move(backend),
          spawn_sentinel_watchers(sys, config.redis_shards, timeouts)};
}

std::string consumer_name(const std::string& worker_name) {
  std::random_device rd;
  char suffix[9];
  std::snprintf(suffix, sizeof(suffix), "%08x", rd());
  return worker_name + "-" + suffix;
}

} // namespace sb
