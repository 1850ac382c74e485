#pragma once
// Carries `/api/disconnect` to every node of a cluster: each node's
// disconnector subscribes to the broker channel `switchboard:disconnect`
// and closes its own matching sockets when another node publishes there.
// The API handler publishes after closing the local ones.

#include <caf/fwd.hpp>
#include <chrono>
#include <string>

#include "core/actors.hpp"

namespace sb {

class server;

/// The channel every node listens on. The `/` keeps it apart from every
/// stream key (stream names cannot contain one).
inline constexpr const char* disconnect_channel = "switchboard/disconnect";

/// `{"user"|"socket": ..., "origin": node}` for the channel.
std::string disconnect_payload(const std::string& user, const std::string& socket,
                               const std::string& origin);

/// Spawns the disconnector and waits (up to `timeout`) until it is
/// subscribed, so a node that says it listens also hears disconnects.
disconnector_actor spawn_disconnector(caf::actor_system& sys, broker_handles broker,
                                      server* srv, std::chrono::milliseconds timeout);

} // namespace sb
