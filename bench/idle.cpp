// `idle`: many chat sockets that only listen, held open for --duration. With
// --server-pid it reads the server's VmRSS before connecting and once every
// socket is in, and reports the server's bytes per socket. With --demo each
// socket has the demo's three plugins (web/demo): chat (streams) and
// presence on a room of --room-size sockets, notifications (streams) on a
// stream of its own.

#include <algorithm>

#include "bench/clock.hpp"
#include "bench/fleet.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"

namespace bench {

namespace {

class idle_run final : public fleet_handler {
public:
  explicit idle_run(const options& opts) : opts_(opts), fleet_(opts, *this, stats_) {
    ready_.assign(opts.sockets, 0);
  }

  int run(report& r);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t) override {
    if (f.kind == frame_kind::history && !ready_[slot]) {
      ready_[slot] = 1;
      ++ready_count_;
    }
  }

  void on_closed(uint32_t slot, const close_info&, uint64_t) override {
    if (ready_[slot])
      ++dropped_;
    else
      ++failed_;
  }

private:
  void connect_all();
  void hold(uint64_t duration_ns);

  const options& opts_;
  stats stats_;
  fleet fleet_;
  std::vector<uint8_t> ready_;
  uint64_t ready_count_ = 0, failed_ = 0, dropped_ = 0;
};

// The demo's specs for socket i: what web/demo/demo.js attaches.
std::string demo_target(const options& opts, uint64_t i) {
  auto room = opts.stream_prefix + ":room:" + std::to_string(i / opts.room_size);
  auto user = opts.stream_prefix + ":user:" + std::to_string(i);
  return clients_target(opts, R"([{"name":"chat","stream":")" + room
                                + R"(","strategy":"streams"},{"name":"presence","stream":")" + room
                                + R"("},{"name":"notifications","stream":")" + user
                                + R"(","strategy":"streams"}])");
}

void idle_run::connect_all() {
  for (uint64_t i = 0; i < opts_.sockets; ++i)
    fleet_.add(opts_.demo ? demo_target(opts_, i)
               : chat_target(opts_, opts_.same_stream
                                      ? opts_.stream_prefix
                                      : opts_.stream_prefix + ":" + std::to_string(i)));
  fleet_.run_until([this] { return ready_count_ + failed_ >= opts_.sockets; },
                   uint64_t(opts_.ready_timeout_s * 1e9), [this] {
                     progress(opts_, "connecting: %llu/%llu ready, %llu failed",
                              (unsigned long long)ready_count_, (unsigned long long)opts_.sockets,
                              (unsigned long long)failed_);
                   });
}

void idle_run::hold(uint64_t duration_ns) {
  fleet_.run_for(duration_ns);
}

int idle_run::run(report& r) {
  int pid = opts_.server_pid;
  int64_t rss_before = pid ? rss_bytes(pid) : -1;
  int64_t own_before = rss_bytes(getpid());
  uint64_t t0 = now_ns();
  connect_all();
  double connect_s = double(now_ns() - t0) / 1e9;
  progress(opts_, "connected: %llu/%llu in %.1f s; holding %.0f s",
           (unsigned long long)ready_count_, (unsigned long long)opts_.sockets, connect_s,
           opts_.duration_s);
  hold(uint64_t(std::max(opts_.settle_s, 1.0) * 1e9)); // let the server settle
  int64_t rss_after = pid ? rss_bytes(pid) : -1;
  int64_t own_after = rss_bytes(getpid());
  hold(uint64_t(opts_.duration_s * 1e9));
  int64_t rss_end = pid ? rss_bytes(pid) : -1;
  uint64_t dropped = dropped_; // before our own closes below
  uint64_t open_at_end = ready_count_ - dropped;
  progress(opts_, "closing %zu sockets", fleet_.open());
  fleet_.close_all(10 * s_ns);
  uint64_t n = std::max<uint64_t>(ready_count_, 1);
  r.count("connected", ready_count_);
  r.count("failed", failed_);
  r.count("dropped_while_idle", dropped);
  r.count("open_at_end", open_at_end);
  r.number("connect_s", connect_s, "s", 2);
  r.number("connects_per_s", double(ready_count_) / connect_s, "sockets/s");
  if (pid) {
    r.number("server_rss_before_mib", double(rss_before) / 1048576, "MiB");
    r.number("server_rss_connected_mib", double(rss_after) / 1048576, "MiB");
    r.number("server_rss_end_mib", double(rss_end) / 1048576, "MiB");
    // Signed: a server that returns memory to the OS can shrink.
    r.number("server_bytes_per_socket", double(rss_after - rss_before) / double(n), "B", 0);
    r.number("server_bytes_per_socket_end", double(rss_end - rss_before) / double(n), "B", 0);
  }
  r.number("bench_bytes_per_socket", double(own_after - own_before) / double(n), "B", 0);
  r.problems(stats_);
  bool ok = ready_count_ == opts_.sockets && open_at_end == opts_.sockets
            && stats_.total_errors() == 0 && stats_.total_failures() == 0
            && stats_.total_server_closes() == 0;
  r.text("verdict", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

} // namespace

int run_idle(const options& opts) {
  report r("idle");
  r.text("shape", opts.demo ? "demo" : "chat");
  r.text("strategy", opts.demo ? "streams" : opts.strategy);
  r.count("sockets", opts.sockets);
  r.text("streams", opts.demo          ? "demo: chat+presence per room of "
                                           + std::to_string(opts.room_size)
                                           + ", notifications per socket"
                    : opts.same_stream ? "one shared"
                                       : "one per socket");
  r.number("duration_s", opts.duration_s, "s");
  idle_run run(opts);
  int status = run.run(r);
  r.print();
  return status;
}

} // namespace bench
