#include "actors/ctl.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include "actors/ctl_format.hpp"
#include "actors/middleman_setup.hpp"
#include "config/tls_files.hpp"
#include "core/actors.hpp"

namespace sb {

namespace {

struct outcome {
  int status = 1;
  std::string out; ///< for stdout
  std::string err; ///< one line for stderr
};

bool is(const caf::error& err, caf::sec code) {
  return err.category() == caf::atom("system") && err.code() == static_cast<uint8_t>(code);
}

/// Why connecting failed, in the operator's terms.
std::string connect_failure(const caf::actor_system& sys, const caf::error& err) {
  if (is(err, caf::sec::cannot_connect_to_node))
    return "nothing listens there; is admin.port set on that node?";
  if (is(err, caf::sec::disconnect_during_handshake))
    return "the handshake failed: not an admin port (http.port instead?), TLS on one side "
           "only, or a certificate the other side's CA did not sign";
  if (is(err, caf::sec::unexpected_actor_messaging_interface))
    return "the node runs a switchboard whose admin interface differs from this one's";
  return sys.render(err);
}

outcome answered(std::string text) {
  return {0, std::move(text), {}};
}

/// Asks the admin actor; runs on a thread of its own (see run_ctl).
outcome call(caf::scoped_actor& self, const admin_actor& admin, const ctl_request& req) {
  bool j = req.json;
  outcome o;
  auto failed = [&](caf::error& err) {
    o.err = "the node answered: " + self->system().render(err);
  };
  auto timeout = std::chrono::seconds(req.timeout_seconds);
  switch (req.cmd) {
    case ctl_command::stats:
      self->request(admin, timeout, stats_atom::value)
        .receive([&](std::string& text) { o = answered(format_stats(text, j)); }, failed);
      break;
    case ctl_command::sockets:
      self->request(admin, timeout, sockets_atom::value)
        .receive(
          [&](std::vector<socket_report>& s) { o = answered(format_sockets(std::move(s), j)); },
          failed);
      break;
    case ctl_command::topics:
      self->request(admin, timeout, topics_atom::value)
        .receive(
          [&](std::vector<topic_report>& t) { o = answered(format_topics(std::move(t), j)); },
          failed);
      break;
    case ctl_command::config:
      self->request(admin, timeout, config_atom::value)
        .receive([&](std::vector<config_entry>& c) { o = answered(format_config(c, j)); },
                 failed);
      break;
    case ctl_command::kick:
      self->request(admin, timeout, kick_atom::value, req.target, req.reason)
        .receive(
          [&](uint64_t closed) {
            o = answered(format_kick(req, closed, j));
            o.status = closed == 0 ? 1 : 0; // no such socket: a failure
          },
          failed);
      break;
    case ctl_command::workers:
      self->request(admin, timeout, workers_atom::value)
        .receive(
          [&](std::vector<worker_report>& w) { o = answered(format_workers(std::move(w), j)); },
          failed);
      break;
    case ctl_command::disconnect_user:
      self->request(admin, timeout, disconnect_atom::value, req.target)
        .receive([&](uint64_t closed) { o = answered(format_disconnect(req, closed, j)); },
                 failed);
      break;
  }
  return o;
}

/// Connects, asks, and hands the outcome over as soon as it is known: the
/// actor system's shutdown after it (when this returns) is nobody's wait.
void connect_and_call(const ctl_request& req, std::promise<outcome>& done) {
  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.set("scheduler.max-threads", 2);
  load_middleman(cfg, req.certificate, req.key, req.ca, peer_checks::off);
  caf::actor_system sys{cfg};
  auto admin = uses_tls(sys) ? caf::openssl::remote_actor<admin_actor>(sys, req.host, req.port)
                             : sys.middleman().remote_actor<admin_actor>(req.host, req.port);
  if (!admin)
    return done.set_value({1, {}, "cannot reach the admin actor at " + req.host + ":"
                                    + std::to_string(req.port) + ": "
                                    + connect_failure(sys, admin.error())});
  caf::scoped_actor self{sys};
  done.set_value(call(self, *admin, req));
}

} // namespace

int run_ctl(const std::vector<std::string>& args) {
  auto parsed = parse_ctl_args(args);
  if (auto err = std::get_if<std::string>(&parsed)) {
    std::fprintf(stderr, "switchboard ctl: %s\n%s", err->c_str(), ctl_usage().c_str());
    return 2;
  }
  auto req = std::get<ctl_request>(parsed);
  if (req.help) {
    std::cout << ctl_usage();
    return 0;
  }
  // CAF's OpenSSL module reads the files only when it connects, and throws
  // from its own thread if one is bad: they are checked here first.
  if (!req.certificate.empty())
    if (auto err = check_tls_files("ctl", req.certificate, req.key, req.ca); !err.empty()) {
      std::fprintf(stderr, "switchboard ctl: %s\n", err.c_str());
      return 2;
    }
  // CAF's connect and handshake have no deadline of their own, and a node
  // that accepts the connection but never answers would hold them forever.
  // So the work runs on a thread this one waits for with a deadline, and
  // the process ends with _Exit either way: it never waits on that thread
  // or on the actor system's shutdown, which may be stuck on the same socket.
  auto done = std::make_shared<std::promise<outcome>>();
  auto result = done->get_future();
  std::thread{[req, done] { connect_and_call(req, *done); }}.detach();
  outcome o;
  if (result.wait_for(std::chrono::seconds(req.timeout_seconds)) == std::future_status::ready)
    o = result.get();
  else
    o.err = req.host + ":" + std::to_string(req.port) + " did not answer within "
            + std::to_string(req.timeout_seconds) + " s";
  std::fputs(o.out.c_str(), stdout);
  if (!o.err.empty())
    std::fprintf(stderr, "switchboard ctl: %s\n", o.err.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(o.status);
}

} // namespace sb
