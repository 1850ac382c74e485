#pragma once
// Command line of switchboard-bench: `switchboard-bench <scenario> --key=value...`.
// Every scenario reads the same struct; each uses the fields it needs.

#include <cstdint>
#include <string>

#include <netinet/in.h>

namespace bench {

struct options {
  std::string scenario;
  // Target, from --url=ws://host:port/path.
  std::string url = "ws://127.0.0.1:8080/ws";
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string path = "/ws";
  in_addr_t addr = 0; // network order
  // Load shape.
  uint64_t subscribers = 1000;
  uint64_t publishers = 1;
  double rate = 100;            // fanout: msg/s in total; churn: connects/s
  double rate_per_socket = 1;   // rooms
  uint64_t sockets = 1000;      // rooms, idle, crowd
  uint64_t streams = 100;       // rooms
  double duration_s = 10;
  std::string strategy = "pub-sub";
  bool same_stream = false;     // idle, churn: every socket on one stream
  bool demo = false;            // idle: the demo's plugins per socket, rooms of --room-size
  uint64_t room_size = 10;      // idle --demo
  std::string stream_prefix;    // default: bench:<scenario>:<pid>-<time>
  uint64_t text_bytes = 0;      // pad message texts to this many bytes
  // soak
  double churn_rate = 100;      // sockets closed and connected again per second
  double sample_interval_s = 10;
  double warmup_s = -1;         // default: min(300, duration / 6)
  std::string csv;              // one row per sample
  // Connection handling.
  uint64_t connect_concurrency = 200;
  double connect_timeout_s = 10;
  double ready_timeout_s = 120; // every socket welcomed + caught up
  double drain_timeout_s = 10;  // after the last send, for stragglers
  double settle_s = 0.3;        // quiet time after the join storm
  bool spread_sources = true;   // bind 127.0.0.1..254 before connect
  bool kernel_timestamps = true; // frame arrival = the kernel's receive time
  uint16_t backend_port = 0;    // hooks: where its HTTP backend listens
  // Server observation.
  int server_pid = 0;
  bool quiet = false;           // no progress lines on stderr
};

/// Parses argv into `out`. On a bad command line returns false and fills
/// `error`; `--help` returns false with an empty error.
bool parse_options(int argc, char** argv, options& out, std::string& error);

/// The usage text printed by --help and after a command-line error.
const char* usage();

} // namespace bench
