#include "actors/middleman_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <fstream>
#include <iterator>
#include <sys/mman.h>
#include <unistd.h>

namespace sb {

namespace {

/// CAF's OpenSSL module reads the PEM files again at every connection and
/// throws on its I/O thread, ending the process, when one is gone or half
/// written: a certificate rotated in place would take the node down at the
/// next admin connection. So CAF reads private copies made once at start
/// that nothing else can touch: memory files of this process (memfd),
/// named through /proc/self/fd. If one cannot be made, the original path.
std::string private_copy(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::string bytes{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  int fd = in ? ::memfd_create("switchboard-admin-tls", MFD_CLOEXEC) : -1;
  if (fd < 0)
    return path;
  size_t written = 0;
  while (written < bytes.size()) {
    auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      ::close(fd);
      return path;
    }
    written += static_cast<size_t>(n);
  }
  return "/proc/self/fd/" + std::to_string(fd); // open for the process's life
}

} // namespace

void load_middleman(caf::actor_system_config& cfg, const std::string& certificate,
                    const std::string& key, const std::string& ca, peer_checks heartbeats) {
  cfg.load<caf::io::middleman>();
  // A CAF program of another kind that reaches the port is refused at the
  // handshake instead of being taken for a switchboard.
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"switchboard"});
  if (heartbeats == peer_checks::on) {
    // A peer that vanished without closing (its machine died, the network
    // broke) is declared dead after 10 s without a message: a worker joins
    // again, a node's sockets learn their plugins are gone. Not for ctl: in
    // CAF 0.17.6 a connection being opened has no "last seen" time yet, so
    // the first tick (within 1 s) drops it unless the other side's
    // handshake came first; a worker tries again, ctl would fail.
    cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
    cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(10)});
  }
  if (certificate.empty())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = private_copy(certificate);
  cfg.openssl_key = private_copy(key);
  cfg.openssl_cafile = private_copy(ca);
}

bool uses_tls(caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

std::string publish_admin(caf::actor_system& sys, const admin_actor& admin,
                          const std::string& host, uint16_t port) {
  // SO_REUSEADDR, like the HTTP port: a node restarted at once gets its
  // port back while the connections of the last one (ctl, workers) still
  // linger in TIME_WAIT. Another process listening there still fails it.
  auto published = uses_tls(sys) ? caf::openssl::publish(admin, port, host.c_str(), true)
                                 : sys.middleman().publish(admin, port, host.c_str(), true);
  if (!published)
    return sys.render(published.error());
  return {};
}

void unpublish_admin(caf::actor_system& sys, const admin_actor& admin) {
  // CAF 0.17.6's openssl::unpublish does not compile (it leaves the actor
  // out of its request): over TLS the port closes with the actor system,
  // and a ctl in between finds the admin gone (its request fails).
  if (!uses_tls(sys))
    sys.middleman().unpublish(admin);
}

} // namespace sb
