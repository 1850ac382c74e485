#pragma once
// `switchboard worker`: a process that serves no HTTP. It runs the stream
// consumers of its configuration (`[consumers.NAME]`, actors/consumer_set),
// which need only Redis and their webhooks, and with `--join
// HOST:PORT` it connects to a serving node's admin actor through CAF's
// middleman (TLS with this process's admin.certificate, admin.key and
// admin.ca) and offers its worker actor (actors/worker), which then hosts
// the node's plugins whose placement is `worker`. When the link goes (the
// node restarts, the network breaks) it joins again with backoff; it never
// exits on its own. SIGINT or SIGTERM end it at once: the node sees its
// instances end and tells their sockets `unavailable`.

#include <optional>
#include <string>

#include "config/switchboard_config.hpp"

namespace sb {

/// The exit status: 2 for a usage or configuration error; else it runs
/// until a signal, then 0.
int run_worker(const loaded_config& loaded, const std::optional<std::string>& join);

} // namespace sb
