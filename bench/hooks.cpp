// `hooks`: what a proxy plugin's backend hook costs. Each of --sockets
// sockets holds two custom plugins on a stream of its own: `relayed`, a
// relay, and `hooked`, a proxy to the backend this bench runs itself
// (bench/hook_backend, on --backend-port). Each socket sends `ping` to one
// then the other, one command at a time, for --duration. A relayed ping is
// published and acked; a hooked ping is POSTed to the backend, whose answer
// broadcasts one event, then published and acked. The difference of their
// ack latencies is what the hook adds: the HTTP round trip over a pooled
// keep-alive connection and the actor hops around it. The server must run
// with
//   --plugins.relayed.relay --plugins.relayed.events=ping
//   --plugins.hooked.proxy=http://127.0.0.1:<backend-port>/hook

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "bench/clock.hpp"
#include "bench/fleet.hpp"
#include "bench/histogram.hpp"
#include "bench/hook_backend.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"

namespace bench {

namespace {

std::string hooks_target(const options& opts, const std::string& stream) {
  std::string specs = R"([{"name":"relayed","stream":")" + stream
                      + R"("},{"name":"hooked","stream":")" + stream + R"("}])";
  return opts.path + "?clients=" + url_encode(specs);
}

class hooks_run final : public fleet_handler {
public:
  hooks_run(const options& opts, hook_backend& backend)
    : opts_(opts), backend_(backend), fleet_(opts, *this, stats_) {}

  int run(report& r);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) override {
    if (f.kind == frame_kind::welcome) {
      ++welcomed_;
      return;
    }
    if (f.kind != frame_kind::ack && f.kind != frame_kind::error)
      return;
    if (f.kind == frame_kind::error) {
      ++errors_;
    } else if (f.ref && f.ref <= now) {
      (hooked_[slot] ? proxy_ : relay_).record(now - f.ref);
    }
    if (running_)
      send(slot);
  }

private:
  void send(uint32_t slot) {
    hooked_[slot] = !hooked_[slot];
    std::string frame = std::string{R"({"client":")"} + (hooked_[slot] ? "hooked" : "relayed")
                        + R"(","stream":")" + streams_[slot] + R"(","event":"ping","ref":)"
                        + std::to_string(now_ns()) + R"(,"data":{}})";
    fleet_.send_text(slot, frame.data(), frame.size());
    ++sent_;
  }

  const options& opts_;
  hook_backend& backend_;
  stats stats_;
  fleet fleet_;
  std::vector<std::string> streams_;
  std::vector<uint8_t> hooked_; ///< per slot: its command in flight went to the proxy
  histogram relay_, proxy_;
  bool running_ = false;
  uint64_t welcomed_ = 0, sent_ = 0, errors_ = 0;
};

int hooks_run::run(report& r) {
  for (uint64_t i = 0; i < opts_.sockets; ++i) {
    streams_.push_back(opts_.stream_prefix + ":" + std::to_string(i));
    hooked_.push_back(1); // the first command goes to the relay
    fleet_.add(hooks_target(opts_, streams_.back()));
  }
  uint64_t now = now_ns();
  uint64_t deadline = now + uint64_t(opts_.ready_timeout_s * 1e9);
  while (welcomed_ < opts_.sockets && fleet_.open() + fleet_.queued() > 0 && now < deadline)
    now = fleet_.turn(50 * ms_ns);
  progress(opts_, "%llu/%llu sockets welcomed; pinging for %.1f s", (unsigned long long)welcomed_,
           (unsigned long long)opts_.sockets, opts_.duration_s);
  double server0 = opts_.server_pid ? cpu_seconds(opts_.server_pid) : 0;
  uint64_t start = now_ns();
  running_ = true;
  for (uint32_t slot = 0; slot < fleet_.size(); ++slot)
    if (fleet_.client(slot).welcomed)
      send(slot);
  uint64_t end = start + uint64_t(opts_.duration_s * 1e9);
  while ((now = fleet_.turn(10 * ms_ns)) < end) {
  }
  running_ = false;
  uint64_t drain_end = now + uint64_t(opts_.drain_timeout_s * 1e9);
  while (relay_.count() + proxy_.count() + errors_ < sent_ && now < drain_end)
    now = fleet_.turn(10 * ms_ns);
  double elapsed = double(end - start) / 1e9;
  double server_cpu = opts_.server_pid ? cpu_seconds(opts_.server_pid) - server0 : 0;
  fleet_.close_all(2 * s_ns);
  r.count("sockets", welcomed_);
  r.count("commands", sent_);
  r.number("commands_per_s", double(sent_) / elapsed, "commands/s, both plugins");
  r.latency("relay_ack_latency", relay_);
  r.latency("proxy_ack_latency", proxy_);
  auto added = [&](double q) {
    return (double(proxy_.quantile(q)) - double(relay_.quantile(q))) / 1000;
  };
  r.number("hook_added_p50_us", added(0.5), "us: proxy minus relay, median");
  r.number("hook_added_p99_us", added(0.99), "us: proxy minus relay, p99");
  r.count("backend_hooks", backend_.hooks());
  r.count("backend_connections", backend_.connections(), "(pooled, kept alive)");
  if (opts_.server_pid)
    r.number("server_cpu_pct", 100 * server_cpu / elapsed, "% of a core");
  r.problems(stats_);
  bool ok = welcomed_ == opts_.sockets && errors_ == 0 && proxy_.count() > 0
            && relay_.count() + proxy_.count() == sent_ && stats_.total_failures() == 0
            && stats_.total_server_closes() == 0;
  r.text("verdict", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

} // namespace

int run_hooks(const options& opts) {
  report r("hooks");
  r.number("duration_s", opts.duration_s, "s");
  std::unique_ptr<hook_backend> backend;
  try {
    backend = std::make_unique<hook_backend>(opts.backend_port);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "switchboard-bench: cannot listen on 127.0.0.1:%u: %s\n",
                 unsigned(opts.backend_port), e.what());
    return 2;
  }
  hooks_run run(opts, *backend);
  int status = run.run(r);
  r.print();
  return status;
}

} // namespace bench
