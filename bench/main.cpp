// switchboard-bench: a load generator for Switchboard's WebSocket protocol
// (PROTOCOL.md). One thread, one epoll loop, its own WebSocket framing; see
// bench/README.md for the scenarios and how to read their reports.

#include <sys/prctl.h>

#include <cstdio>
#include <string>

#include "bench/options.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"
#include "bench/ws_client.hpp"

int main(int argc, char** argv) {
  bench::options opts;
  std::string error;
  if (!bench::parse_options(argc, argv, opts, error)) {
    if (!error.empty())
      std::fprintf(stderr, "switchboard-bench: %s\n\n", error.c_str());
    std::fputs(bench::usage(), error.empty() ? stdout : stderr);
    return error.empty() ? 0 : 2;
  }
  bench::kernel_timestamps = opts.kernel_timestamps;
  uint64_t nofile = bench::raise_nofile();
  prctl(PR_SET_TIMERSLACK, 1000UL); // 1 us, not 50 us: publishers are paced by epoll timeouts
  uint64_t want = opts.scenario == "fanout" ? opts.subscribers + opts.publishers : opts.sockets;
  if (opts.scenario != "churn" && want + 64 > nofile)
    std::fprintf(stderr, "switchboard-bench: warning: %llu sockets but RLIMIT_NOFILE is %llu\n",
                 (unsigned long long)want, (unsigned long long)nofile);
  if (opts.scenario == "fanout")
    return bench::run_fanout(opts);
  if (opts.scenario == "rooms")
    return bench::run_rooms(opts);
  if (opts.scenario == "idle")
    return bench::run_idle(opts);
  if (opts.scenario == "soak")
    return bench::run_soak(opts);
  if (opts.scenario == "hooks")
    return bench::run_hooks(opts);
  if (opts.scenario == "crowd")
    return bench::run_crowd(opts);
  return bench::run_churn(opts);
}
