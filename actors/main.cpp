// The `switchboard` service binary: configuration, signal handling, and a
// node that runs until SIGINT or SIGTERM.

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <pthread.h>

#include "actors/log.hpp"
#include "actors/node.hpp"
#include "config/switchboard_config.hpp"

namespace {

void log_effective_config(const sb::settings& s, const caf::actor_system_config& cfg) {
  sb::log::info("main", "config: scheduler=",
                caf::to_string(caf::get_or(cfg, "scheduler.policy", caf::atom("stealing"))), " x",
                caf::get_or(cfg, "scheduler.max-threads", size_t{0}), " node.id=",
                s.node_id.empty() ? "(random)" : s.node_id);
  sb::log::info("main", "config: http=", s.http_host, ":", s.http_port, s.ws_path,
                " threads=", s.io_threads, " broker=", s.broker,
                " frame-size=", s.max_frame_bytes, " queue-size=", s.max_queue_bytes,
                " commands=", s.commands_burst, "/", s.commands_per_second, "s",
                " specs=", s.max_specs, " ping=", s.ping_interval.count(), "ms",
                " pong=", s.pong_timeout.count(), "ms", " drain=", s.shutdown_drain.count(),
                "ms", " chat.history=", s.chat_history, " chat.max-length=", s.chat_max_length);
}

/// Blocks SIGINT/SIGTERM in this thread and every thread it starts later,
/// so that only sigwait() below receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

} // namespace

int main(int argc, char** argv) {
  sb::switchboard_config cfg;
  auto loaded = sb::load_config(cfg, argc, argv);
  if (auto exit = std::get_if<sb::config_exit>(&loaded)) {
    if (!exit->message.empty())
      std::fprintf(stderr, "switchboard: %s\n", exit->message.c_str());
    return exit->code;
  }
  auto settings = std::make_shared<const sb::settings>(std::get<sb::settings>(loaded));
  auto signals = block_stop_signals();
  log_effective_config(*settings, cfg);
  if (settings->auth_secret.empty())
    sb::log::warning("main", "auth is off: every socket gets a guest user");
  else
    sb::log::info("main", "auth is on: sockets need an HS256 token");
  caf::actor_system sys{cfg};
  sb::node node{sys, settings};
  if (auto err = node.start()) {
    sb::log::error("main", "cannot listen on ", settings->http_host, ":", settings->http_port,
                   ": ", err.message());
    return 1;
  }
  sb::log::info("main", "listening on http://", settings->http_host, ":", settings->http_port);
  int sig = 0;
  sigwait(&signals, &sig);
  sb::log::info("main", "received ", sig == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down");
  node.stop();
  return 0;
}
