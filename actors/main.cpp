// The `switchboard` binary: its commands (serve, check-config,
// print-config, token, ctl, worker, version, help), and serving: configuration, signal
// handling, and a node that runs until SIGINT or SIGTERM.

#include <caf/all.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>
#ifdef SWITCHBOARD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "core/log.hpp"
#include "actors/ctl.hpp"
#include "actors/middleman_setup.hpp"
#include "actors/node.hpp"
#include "actors/stop_signals.hpp"
#include "actors/token_command.hpp"
#include "actors/worker_main.hpp"
#include "config/config_printer.hpp"
#include "config/switchboard_config.hpp"
#include "config/version.hpp"
#include "core/messages.hpp"
#include "core/metrics.hpp"

extern char** environ;

namespace {

/// Tells systemd (Type=notify) how start-up and shutdown go; a no-op
/// without NOTIFY_SOCKET or without libsystemd.
void notify_systemd([[maybe_unused]] const char* state) {
#ifdef SWITCHBOARD_HAVE_SYSTEMD
  sd_notify(0, state);
#endif
}

void log_effective_config(const sb::settings& s) {
  sb::log::info("main", "switchboard ", sb::project_version(),
                *sb::git_version() ? std::string{" ("} + sb::git_version() + ")" : "",
                " scheduler=", s.scheduler_policy, " x", s.scheduler_threads,
                " node.id=", s.node_id.empty() ? "(random)" : s.node_id);
  sb::log::info("main", "config: http=", s.http_host, ":", s.http_port, s.ws_path,
                " threads=", s.io_threads, " broker=", s.broker,
                " frame-size=", s.max_frame_bytes, " queue-size=", s.max_queue_bytes,
                " commands=", s.commands_burst, "/", s.commands_per_second, "s",
                " specs=", s.max_specs, " ping=", s.ping_interval.count(), "ms",
                " pong=", s.pong_timeout.count(), "ms", " drain=", s.shutdown_drain.count(),
                "ms", " chat.history=", s.chat_history, " chat.max-length=", s.chat_max_length,
                " web-root=", s.web_root.empty() ? "(off)" : s.web_root);
}

void log_security(const sb::settings& s) {
  auto& auth = s.auth;
  if (!auth.enabled())
    sb::log::warning("main", "auth is off: every socket gets a guest user");
  else
    sb::log::info("main", "auth is on: sockets need a token (",
                  auth.secret.empty() ? "" : "HS256/384/512",
                  !auth.secret.empty() && !auth.public_keys.empty() ? ", " : "",
                  auth.public_keys.empty() ? "" : "RS/ES with "
                    + std::to_string(auth.public_keys.size()) + " public key(s)",
                  "), leeway ", auth.leeway.count(), "s",
                  auth.issuer.empty() ? "" : ", iss " + auth.issuer,
                  auth.audience.empty() ? "" : ", aud " + auth.audience);
  bool any = false;
  for (auto& o : s.allowed_origins)
    any = any || o == "*";
  if (any)
    sb::log::warning("main", "http.allowed-origins is *: any web site may open sockets, and a "
                             "visitor's switchboard_token cookie goes along (cross-site "
                             "WebSocket hijacking); list your sites instead");
  if (s.metrics_port != 0)
    sb::log::info("main", "/metrics and /readyz on http://", s.metrics_host, ":",
                  s.metrics_port, " only");
}

int serve(const sb::loaded_config& loaded) {
  auto settings = std::make_shared<const sb::settings>(loaded.values);
  auto plugins = sb::load_plugin_set(*settings);
  if (auto err = std::get_if<std::string>(&plugins)) {
    std::fprintf(stderr, "switchboard: %s\n", err->c_str());
    return 2;
  }
  auto signals = sb::block_stop_signals();
  for (auto& w : loaded.warnings)
    sb::log::warning("main", w);
  log_effective_config(*settings);
  log_security(*settings);
  for (auto& line : std::get<sb::plugin_set>(plugins).described)
    sb::log::info("main", "plugin ", line);
  sb::metrics::global().set_build_info(sb::project_version(), sb::git_version());
  caf::actor_system_config cfg;
  sb::apply_to(*settings, cfg);
  sb::register_message_types(cfg);
  // The middleman (a thread and a port) only for a node that is inspected.
  if (settings->admin_port != 0)
    sb::load_middleman(cfg, settings->admin_certificate, settings->admin_key,
                       settings->admin_ca, sb::peer_checks::on);
  caf::actor_system sys{cfg};
  sb::node node{sys, settings, std::get<sb::plugin_set>(std::move(plugins))};
  if (auto err = node.start()) {
    sb::log::error("main", "cannot listen on ", settings->http_host, ":", settings->http_port,
                   settings->metrics_port != 0
                     ? " or " + settings->metrics_host + ":" + std::to_string(settings->metrics_port)
                     : std::string{},
                   ": ", err.message());
    return 1;
  }
  if (auto err = node.start_admin(sb::effective_config_entries(loaded)); !err.empty()) {
    sb::log::error("main", "cannot publish the admin actor on ", settings->admin_host, ":",
                   settings->admin_port, ": ", err);
    node.stop();
    return 1;
  }
  sb::log::info("main", "listening on http://", settings->http_host, ":", settings->http_port);
  notify_systemd("READY=1");
  int sig = 0;
  sigwait(&signals, &sig);
  sb::log::info("main", "received ", sig == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
  notify_systemd("STOPPING=1");
  node.stop();
  return 0;
}

int check_config(const sb::loaded_config& loaded) {
  for (auto& w : loaded.warnings)
    std::fprintf(stderr, "switchboard: warning: %s\n", w.c_str());
  auto plugins = sb::load_plugin_set(loaded.values);
  if (auto err = std::get_if<std::string>(&plugins)) {
    std::fprintf(stderr, "switchboard: %s\n", err->c_str());
    return 2;
  }
  auto& file = loaded.options.config_file;
  std::printf("switchboard: configuration OK (%s)\n",
              file ? file->c_str() : "no INI file: environment, flags and defaults");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = sb::parse_command_line(argc, argv);
  if (auto err = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "switchboard: %s\n", err->c_str());
    return 2;
  }
  auto& cl = std::get<sb::command_line>(parsed);
  if (cl.cmd == sb::subcommand::help) {
    std::cout << sb::help_text();
    return 0;
  }
  if (cl.cmd == sb::subcommand::ctl)
    return sb::run_ctl(cl.ctl_args);
  if (cl.cmd == sb::subcommand::version) {
    std::cout << sb::version_text();
    return 0;
  }
  auto loaded = sb::load_config(cl, environ);
  if (auto err = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "switchboard: %s\n", err->c_str());
    return 2;
  }
  auto& cfg = std::get<sb::loaded_config>(loaded);
  sb::log::set_level(cfg.values.log_level);
  sb::log::set_format(cfg.values.log_format);
  switch (cl.cmd) {
    case sb::subcommand::check_config:
      return check_config(cfg);
    case sb::subcommand::print_config:
      std::cout << sb::effective_config_text(cfg);
      return 0;
    case sb::subcommand::token:
      return sb::mint_token(cl.token_flags, cfg.values, std::cout, std::cerr);
    case sb::subcommand::worker:
      return sb::run_worker(cfg, cl.join);
    default:
      return serve(cfg);
  }
}
