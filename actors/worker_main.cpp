#include "actors/worker_main.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <csignal>
#include <random>
#include <cstdio>
#include <thread>
#include <unistd.h>

#include "actors/consumer_set.hpp"
#include "actors/ctl_format.hpp"
#include "actors/middleman_setup.hpp"
#include "actors/plugin_setup.hpp"
#include "actors/stop_signals.hpp"
#include "actors/worker.hpp"
#include "config/tls_files.hpp"
#include "core/log.hpp"

namespace sb {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds first_backoff{250};
constexpr milliseconds max_backoff{10000};
/// A node that took the connection but does not answer the join in this
/// long is tried again, as one that refused it.
constexpr std::chrono::seconds join_timeout{5};

struct join_target {
  std::string host;
  uint16_t port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

/// How this worker calls itself in the node's logs and `ctl workers`.
std::string worker_name(const settings& s) {
  if (!s.node_id.empty())
    return s.node_id;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string{host} + ":" + std::to_string(getpid());
}

/// Connects, joins, and returns once the node is gone (or never came):
/// true when it had joined, so that the next try starts without delay.
bool join_once(caf::actor_system& sys, const worker_actor& worker, const join_target& to,
               const std::string& name) {
  auto admin = uses_tls(sys) ? caf::openssl::remote_actor<admin_actor>(sys, to.host, to.port)
                             : sys.middleman().remote_actor<admin_actor>(to.host, to.port);
  if (!admin) {
    log::warning("worker", "cannot reach the node at ", to.text(), ": ",
                 sys.render(admin.error()));
    return false;
  }
  caf::scoped_actor self{sys};
  bool joined = false;
  self->request(*admin, join_timeout, join_atom::value, worker, name)
    .receive([&](ok_atom) { joined = true; },
             [&](caf::error& err) {
               log::warning("worker", "the node at ", to.text(), " refused the join: ",
                            sys.render(err));
             });
  if (!joined)
    return false;
  log::info("worker", "joined the node at ", to.text(), " as ", name);
  self->monitor(*admin);
  self->receive([&](caf::down_msg& dm) {
    log::warning("worker", "lost the node at ", to.text(), ": ", sys.render(dm.reason),
                 "; joining again");
  });
  return true;
}

/// Joins, and joins again whenever the link goes, forever: a worker never
/// gives up on its node. The delay doubles up to 10 s while the node stays
/// away; jitter keeps many workers from coming back all at once.
[[noreturn]] void join_forever(caf::actor_system& sys, worker_actor worker, join_target to,
                               std::string name) {
  auto backoff = first_backoff;
  // Seeded per process: std::rand() would give every worker the same jitter.
  std::mt19937 random{std::random_device{}()};
  for (;;) {
    if (join_once(sys, worker, to, name)) {
      backoff = first_backoff;
      continue;
    }
    auto jitter = milliseconds(random() % (backoff.count() / 4 + 1));
    std::this_thread::sleep_for(backoff + jitter);
    backoff = std::min(backoff * 2, max_backoff);
  }
}

int usage(const std::string& text) {
  std::fprintf(stderr, "switchboard worker: %s\n", text.c_str());
  return 2;
}

} // namespace

int run_worker(const loaded_config& loaded, const std::optional<std::string>& join) {
  auto& s = loaded.values;
  if (!join && s.consumers.empty())
    return usage("nothing to do: give --join HOST:PORT (the admin.host:admin.port of a node "
                 "whose plugins this worker hosts), [consumers.NAME] sections (stream "
                 "consumers), or both");
  join_target to;
  if (join && !split_host_port(*join, to.host, to.port))
    return usage("--join needs HOST:PORT, a node's admin.host and admin.port (e.g. --join "
                 "127.0.0.1:9090)");
  if (s.admin_tls())
    if (auto err = check_tls_files("admin", s.admin_certificate, s.admin_key, s.admin_ca);
        !err.empty())
      return usage(err);
  auto plugins = load_plugin_set(s);
  if (auto err = std::get_if<std::string>(&plugins))
    return usage(*err);
  auto signals = block_stop_signals();
  for (auto& w : loaded.warnings)
    log::warning("worker", w);
  caf::actor_system_config cfg;
  apply_to(s, cfg);
  register_message_types(cfg);
  if (join) // the middleman (a thread) only to reach a node
    load_middleman(cfg, s.admin_certificate, s.admin_key, s.admin_ca, peer_checks::on);
  caf::actor_system sys{cfg};
  auto name = worker_name(s);
  // Stream consumers need no node: only Redis and their webhooks.
  // With the libraries of plugins.load: their keys' default events.
  auto consumers = start_consumers(sys, s, consumer_name(name),
                                   std::get<plugin_set>(plugins).registry);
  if (join) {
    auto worker = spawn_worker(sys, std::get<plugin_set>(plugins).registry);
    log::info("worker", "worker ", name, " joins the node at ", to.text(),
              s.admin_tls() ? " (TLS)" : "");
    std::thread{[&sys, worker, to, name] { join_forever(sys, worker, to, name); }}.detach();
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("worker", "received ", sig == SIGINT ? "SIGINT" : "SIGTERM", ", stopping");
  // The joining thread may sit in CAF's connect, which has no deadline;
  // the plugin instances end with the process, and the node sees them go.
  // A consumer's entry being posted stays pending: it is posted again
  // after claim-after (at least once).
  std::fflush(stderr);
  std::_Exit(0);
}

} // namespace sb
