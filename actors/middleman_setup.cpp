#include "actors/middleman_setup.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

namespace sb {

void load_middleman(caf::actor_system_config& cfg, const std::string& certificate,
                    const std::string& key, const std::string& ca) {
  cfg.load<caf::io::middleman>();
  // A CAF program of another kind that reaches the port is refused at the
  // handshake instead of being taken for a switchboard.
  cfg.set("middleman.app-identifiers", std::vector<std::string>{"switchboard"});
  if (certificate.empty())
    return;
  cfg.load<caf::openssl::manager>();
  cfg.openssl_certificate = certificate;
  cfg.openssl_key = key;
  cfg.openssl_cafile = ca;
}

bool uses_tls(caf::actor_system& sys) {
  return sys.has_openssl_manager();
}

std::string publish_admin(caf::actor_system& sys, const admin_actor& admin,
                          const std::string& host, uint16_t port) {
  auto published = uses_tls(sys) ? caf::openssl::publish(admin, port, host.c_str())
                                 : sys.middleman().publish(admin, port, host.c_str());
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
