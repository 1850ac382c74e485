#pragma once
// CAF's middleman as a node (admin.port) and `switchboard ctl` both load
// it: plain TCP on loopback, or TLS through CAF's OpenSSL module, where
// each side presents a certificate the other's CA signed. One place, so
// the two sides cannot disagree on how they speak.

#include <caf/fwd.hpp>
#include <cstdint>
#include <string>

#include "core/actors.hpp"

namespace sb {

/// Whether the middleman sends heartbeats and drops a silent peer (nodes
/// and workers, which hold links for long), or not (ctl, one question).
enum class peer_checks { on, off };

/// Loads the middleman (and, with a certificate, the OpenSSL module with
/// these files) into `cfg`, before the actor system is made from it.
void load_middleman(caf::actor_system_config& cfg, const std::string& certificate,
                    const std::string& key, const std::string& ca, peer_checks heartbeats);

/// Publishes the admin actor at host:port (with its typed interface, which
/// ctl's remote_actor checks), over TLS when the system loaded it; "" or
/// an error text.
std::string publish_admin(caf::actor_system& sys, const admin_actor& admin,
                          const std::string& host, uint16_t port);

/// Closes the admin's port (not over TLS: see the .cpp), so that no ctl
/// reaches an admin that is going away.
void unpublish_admin(caf::actor_system& sys, const admin_actor& admin);

/// Whether the system speaks TLS to other nodes (load_middleman had a
/// certificate).
bool uses_tls(caf::actor_system& sys);

} // namespace sb
