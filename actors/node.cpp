#include "actors/node.hpp"

#include <caf/all.hpp>

#include "actors/admin.hpp"
#include "actors/api.hpp"
#include "actors/disconnector.hpp"
#include "core/log.hpp"
#include "actors/memory_trimmer.hpp"
#include "actors/middleman_setup.hpp"
#include "actors/socket_directory.hpp"
#include "actors/topic_registry.hpp"
#include "actors/worker_pool.hpp"
#include "net/query.hpp"
#include "redis/memory_broker.hpp"
#include "redis/redis_broker.hpp"

namespace sb {

node::node(caf::actor_system& sys, std::shared_ptr<const settings> config, plugin_set plugins)
    : sys_(sys), backend_routes_(std::move(plugins.backend_routes)) {
  ctx_.config = std::move(config);
  ctx_.plugins = std::move(plugins.registry);
  auto& cfg = *ctx_.config;
  ctx_.plugin_config
    = plugin_settings{cfg.chat_history,        cfg.chat_max_length, cfg.chat_max_text_bytes,
                      cfg.chat_max_join_leave, cfg.presence_ttl,    cfg.presence_max_list};
  // Only an inspected node pays for the directory of its sockets.
  if (cfg.admin_port != 0)
    ctx_.sockets = std::make_shared<socket_directory>();
}

node::~node() {
  stop();
}

void node::spawn_broker() {
  auto& cfg = *ctx_.config;
  if (cfg.broker != "redis") {
    ctx_.broker = spawn_memory_broker(sys_);
    return;
  }
  status_ = std::make_shared<broker_status>();
  redis_broker_config rc;
  rc.shards = cfg.redis_shards;
  rc.cluster = cfg.redis_mode == "cluster";
  rc.timeouts = {cfg.redis_connect_timeout, cfg.redis_command_timeout, cfg.redis_backoff_max};
  rc.pool_size = cfg.redis_pool_size;
  std::string names;
  for (auto& ep : rc.shards)
    names += (names.empty() ? "" : ", ") + ep.describe();
  log::info("node", rc.cluster ? "uses the Redis Cluster of " : "uses Redis at ", names);
  ctx_.broker = spawn_redis_broker(sys_, rc, status_);
}

std::error_code node::start() {
  spawn_broker();
  if (!backend_routes_.empty())
    ctx_.backend = spawn_backend(sys_, backend_routes_);
  ctx_.topics = sys_.spawn(topic_registry, ctx_.broker);
  // Workers join at the admin port: no pool without it (the configuration
  // refuses `placement = worker` then).
  if (ctx_.config->admin_port != 0)
    ctx_.workers = spawn_worker_pool(sys_, std::chrono::seconds(4));
  auto spawner = [this, shared = std::make_shared<const node_context>(ctx_)](
                   const upgrade_info& up, sink_ptr sink, std::string id) {
    auto token = query_param(up.target, "token");
    if (!token && !up.token_cookie.empty())
      token = up.token_cookie;
    connection_args args{std::move(id),         std::move(sink),
                         query_param(up.target, "clients"), query_param(up.target, "name"),
                         std::move(token),      query_param(up.target, "v")};
    return make_connection(sys_, shared, std::move(args));
  };
  server_ = std::make_unique<server>(ctx_.config, spawner);
  server_->set_readiness([status = status_] { return !status || status->ready(); });
  api_ = std::make_unique<api_handler>(sys_, ctx_, *server_);
  disconnector_ = spawn_disconnector(sys_, ctx_.broker, server_.get(),
                                     ctx_.config->redis_connect_timeout * 2);
  trimmer_ = spawn_memory_trimmer(sys_, std::chrono::seconds(5));
  server_->set_api([api = api_.get()](const api_request& req, api_responder respond) {
    api->handle(req, std::move(respond));
  });
  return server_->start();
}

std::string node::start_admin(std::vector<config_entry> config) {
  auto& cfg = *ctx_.config;
  if (cfg.admin_port == 0 || !server_)
    return {};
  admin_ = spawn_admin(sys_, {server_.get(), ctx_.sockets, ctx_.topics, ctx_.broker,
                              ctx_.workers, std::move(config)});
  if (auto err = publish_admin(sys_, admin_, cfg.admin_host, cfg.admin_port); !err.empty()) {
    caf::anon_send_exit(admin_, caf::exit_reason::user_shutdown);
    admin_ = nullptr;
    return err;
  }
  log::info("node", "admin actor on ", cfg.admin_host, ":", cfg.admin_port,
            cfg.admin_tls() ? " (TLS)" : "", " (switchboard ctl --node ", cfg.admin_host, ":",
            cfg.admin_port, ")");
  return {};
}

void node::stop_backend() {
  if (!ctx_.backend)
    return;
  caf::scoped_actor self{sys_};
  self->monitor(ctx_.backend);
  self->send_exit(ctx_.backend, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
  ctx_.backend = nullptr;
}

void node::stop() {
  if (!server_)
    return;
  server_->shutdown();
  // Connections and plugins quit as their sockets close; the long-lived
  // actors go now. The server object stays until every actor is done
  // because actors may still hold sessions whose sockets belong to it.
  caf::anon_send_exit(ctx_.topics, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(disconnector_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(trimmer_, caf::exit_reason::user_shutdown);
  if (ctx_.workers)
    caf::anon_send_exit(ctx_.workers, caf::exit_reason::user_shutdown);
  if (admin_) {
    unpublish_admin(sys_, admin_);
    caf::anon_send_exit(admin_, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(ctx_.broker.command, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx_.broker.subscriber, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx_.broker.listener, caf::exit_reason::user_shutdown);
  sys_.await_all_actors_done();
  // Proxies waited for their close hooks; no one posts any more. The
  // backend actor is hidden (not awaited above): it goes last.
  stop_backend();
  server_.reset();
  api_.reset();
  log::info("node", "stopped");
}

} // namespace sb
