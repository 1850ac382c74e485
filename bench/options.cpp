#include "bench/options.hpp"

#include <arpa/inet.h>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>

namespace bench {

namespace {

bool parse_url(options& o, std::string& error) {
  const std::string scheme = "ws://";
  if (o.url.compare(0, scheme.size(), scheme) != 0) {
    error = "--url must start with ws:// (no TLS in the bench)";
    return false;
  }
  auto rest = o.url.substr(scheme.size());
  auto slash = rest.find('/');
  o.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto hostport = rest.substr(0, slash);
  auto colon = hostport.rfind(':');
  o.host = hostport.substr(0, colon);
  o.port = colon == std::string::npos ? 80 : uint16_t(std::atoi(hostport.c_str() + colon + 1));
  if (o.host == "localhost")
    o.host = "127.0.0.1";
  in_addr a{};
  if (inet_pton(AF_INET, o.host.c_str(), &a) != 1 || o.port == 0) {
    error = "--url needs an IPv4 address and a port, e.g. ws://127.0.0.1:8080/ws";
    return false;
  }
  o.addr = a.s_addr;
  // Spreading sources over 127.0.0.0/8 only works towards loopback.
  if ((ntohl(o.addr) >> 24) != 127)
    o.spread_sources = false;
  return true;
}

bool is_true(const std::string& v) {
  return v.empty() || v == "1" || v == "true" || v == "yes";
}

// One --key=value. Returns false for an unknown key or a bad number.
bool apply(options& o, const std::string& key, const std::string& v) {
  char* end = nullptr;
  double num = std::strtod(v.c_str(), &end);
  bool numeric = !v.empty() && end && *end == '\0' && num >= 0;
  auto u64 = [&](uint64_t& f) { f = uint64_t(num); return numeric; };
  auto dbl = [&](double& f) { f = num; return numeric; };
  if (key == "url") return o.url = v, true;
  if (key == "subscribers") return u64(o.subscribers);
  if (key == "publishers") return u64(o.publishers);
  if (key == "rate") return dbl(o.rate);
  if (key == "rate-per-socket") return dbl(o.rate_per_socket);
  if (key == "sockets") return u64(o.sockets);
  if (key == "streams") return u64(o.streams);
  if (key == "duration") return dbl(o.duration_s);
  if (key == "strategy") return o.strategy = v, v == "pub-sub" || v == "streams";
  if (key == "same-stream") return o.same_stream = is_true(v), true;
  if (key == "demo") return o.demo = is_true(v), true;
  if (key == "room-size") return u64(o.room_size) && num >= 1;
  if (key == "stream-prefix") return o.stream_prefix = v, !v.empty();
  if (key == "text-bytes") return u64(o.text_bytes);
  if (key == "connect-concurrency") return u64(o.connect_concurrency);
  if (key == "connect-timeout") return dbl(o.connect_timeout_s);
  if (key == "ready-timeout") return dbl(o.ready_timeout_s);
  if (key == "drain-timeout") return dbl(o.drain_timeout_s);
  if (key == "settle") return dbl(o.settle_s);
  if (key == "no-spread") return o.spread_sources = !is_true(v), true;
  if (key == "no-kernel-timestamps") return o.kernel_timestamps = !is_true(v), true;
  if (key == "backend-port") return o.backend_port = uint16_t(num), numeric && num < 65536;
  if (key == "server-pid") return o.server_pid = int(num), numeric;
  if (key == "quiet") return o.quiet = is_true(v), true;
  if (key == "churn-rate") return dbl(o.churn_rate);
  if (key == "sample-interval") return dbl(o.sample_interval_s) && num > 0;
  if (key == "warmup") return dbl(o.warmup_s);
  if (key == "csv") return o.csv = v, !v.empty();
  return false;
}

} // namespace

const char* usage() {
  return R"(usage: switchboard-bench <scenario> [--url=ws://127.0.0.1:8080/ws] [options]

scenarios:
  fanout   N subscribers and K publishers on one chat stream; publishers send
           `send` at a total --rate msg/s for --duration s
           (--subscribers=1000 --publishers=1 --rate=100 --strategy=pub-sub|streams)
  rooms    --sockets spread over --streams chat streams, every socket sending
           at --rate-per-socket msg/s (--sockets=1000 --streams=100 --rate-per-socket=1)
  idle     --sockets chat sockets held for --duration s; with --server-pid,
           the server's RSS per socket (--same-stream: all on one stream;
           --demo: the demo's shape, chat and presence on rooms of
           --room-size=10 sockets and notifications on a stream per socket)
  churn    connect -> welcome -> close at --rate connects/s for --duration s
           (--same-stream: all on one stream, else one stream each)
  soak     --sockets over --streams rooms with chat and presence, --rate msg/s
           of chat and --churn-rate reconnects/s for --duration s; samples
           the server every --sample-interval s into --csv and judges its
           steadiness after --warmup s (needs --server-pid; docs/soak.md)
           (--sockets=15000 --streams=1500 --rate=200 --churn-rate=100)
  hooks    --sockets sockets, each pinging a relay and a proxy plugin in turn,
           one command at a time, against an HTTP backend the bench serves on
           --backend-port: what a backend hook adds to a command's ack
  crowd    --sockets join one room (chat + presence on one stream): the time
           until all are in, the frames they got meanwhile, and whether every
           presence count ends at the room's size (--sockets=10000))

common options:
  --duration=S            seconds of load (default 10)
  --text-bytes=N          pad message texts to N bytes (default: no padding)
  --connect-concurrency=N sockets connecting at once (default 200)
  --connect-timeout=S     per-socket connect + welcome timeout (default 10)
  --ready-timeout=S       time for every socket to be welcomed (default 120)
  --drain-timeout=S       wait for stragglers after the last send (default 10)
  --settle=S              quiet time after the join storm before load (default 0.3)
  --stream-prefix=P       stream names start with P (default bench:<scenario>:<run>)
  --server-pid=PID        read the server's RSS and CPU time from /proc
  --no-spread             do not bind source addresses 127.0.0.1..254
  --no-kernel-timestamps  latency ends when read() returns, not when the
                          kernel received the bytes (SO_TIMESTAMPNS)
  --quiet                 no progress lines on stderr

Prints a human-readable report on stdout and one line `RESULT {json}`.
Exit status: 0 when every expected message arrived with no error, 1 otherwise,
2 for a bad command line.
)";
}

bool parse_options(int argc, char** argv, options& out, std::string& error) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)
    return false;
  out.scenario = argv[1];
  if (out.scenario != "fanout" && out.scenario != "rooms" && out.scenario != "idle"
      && out.scenario != "churn" && out.scenario != "hooks"
      && out.scenario != "crowd" && out.scenario != "soak") {
    error = "unknown scenario '" + out.scenario + "'";
    return false;
  }
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h")
      return false;
    auto eq = arg.find('=');
    auto key = arg.substr(0, eq).substr(arg.rfind("--", 0) == 0 ? 2 : 0);
    auto value = eq == std::string::npos ? std::string{} : arg.substr(eq + 1);
    if (arg.rfind("--", 0) != 0 || !apply(out, key, value)) {
      error = "bad option '" + arg + "'";
      return false;
    }
  }
  if (out.stream_prefix.empty())
    out.stream_prefix = "bench:" + out.scenario + ":" + std::to_string(getpid()) + "-"
                        + std::to_string(std::time(nullptr));
  if (out.warmup_s < 0)
    out.warmup_s = std::min(300.0, out.duration_s / 6);
  if (out.connect_concurrency == 0)
    out.connect_concurrency = 1;
  return parse_url(out, error);
}

} // namespace bench
