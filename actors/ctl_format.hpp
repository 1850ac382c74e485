#pragma once
// The pure half of `switchboard ctl` (actors/ctl.cpp is the half that
// talks to a node): its command line, and how each answer of the admin
// actor prints, as an aligned table for people or JSON for scripts. No
// sockets here, so all of it is unit-tested (tests/unit/ctl_test.cpp).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/host_port.hpp"
#include "core/messages.hpp"

namespace sb {

enum class ctl_command { stats, sockets, topics, kick, disconnect_user, config, workers };

struct ctl_request {
  std::string host;
  uint16_t port = 0;
  bool json = false;
  uint32_t timeout_seconds = 5; ///< for everything: connecting and the answer
  ctl_command cmd = ctl_command::stats;
  std::string target; ///< kick: the socket id; disconnect-user: the user id
  std::string reason; ///< kick: what the client's Close frame says
  /// TLS (a node with admin.certificate): ctl's own certificate, signed by
  /// the CA the node trusts, its key, and the CA that signed the node's.
  std::string certificate, key, ca;
  bool help = false; ///< --help or -h among the flags: nothing else matters
};

/// `ctl`'s usage, for --help and after a usage error.
std::string ctl_usage();

/// The request, or a one-line error for the user.
std::variant<ctl_request, std::string> parse_ctl_args(const std::vector<std::string>& args);

/// Columns padded to their widest cell; the first row is the header.
std::string text_table(const std::vector<std::vector<std::string>>& rows);

/// 90061000 ms -> "1d1h1m".
std::string human_age(uint64_t ms);

std::string format_stats(const std::string& prometheus_text, bool json);
/// Sorted oldest first.
std::string format_sockets(std::vector<socket_report> sockets, bool json);
/// Sorted by key.
std::string format_topics(std::vector<topic_report> topics, bool json);
std::string format_config(const std::vector<config_entry>& entries, bool json);
std::string format_kick(const ctl_request& req, uint64_t closed, bool json);
std::string format_disconnect(const ctl_request& req, uint64_t closed, bool json);
/// Sorted oldest first.
std::string format_workers(std::vector<worker_report> workers, bool json);

} // namespace sb
