// `churn`: connect -> welcome -> close, started at --rate per second for
// --duration (open loop, at most --connect-concurrency connecting at once).
// Reports the connects/s achieved and the time from connect() to `welcome`.
// With --server-pid it also reads the server's RSS before the first connect
// and after the last close (plus --settle): with one stream per connection,
// that is what creating and abandoning that many streams leaves behind.

#include <algorithm>

#include "bench/clock.hpp"
#include "bench/fleet.hpp"
#include "bench/histogram.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"

namespace bench {

namespace {

class churn_run final : public fleet_handler {
public:
  explicit churn_run(const options& opts) : opts_(opts), fleet_(opts, *this, stats_) {}

  int run(report& r);
  void report_rss(report& r, int64_t before, int64_t anon_before);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) override {
    if (f.kind != frame_kind::welcome)
      return;
    auto& c = fleet_.client(slot);
    latency_.record(now - c.started_ns);
    ++welcomed_;
    last_welcome_ns_ = now;
    fleet_.close(slot, now);
  }

  void on_closed(uint32_t slot, const close_info&, uint64_t) override {
    ++finished_;
    if (!fleet_.client(slot).welcomed)
      ++failed_;
    free_.push_back(slot);
  }

  void tick(uint64_t now) override;

private:
  std::string target() {
    ++streams_used_;
    if (opts_.same_stream)
      return target_;
    return chat_target(opts_, opts_.stream_prefix + ":" + std::to_string(started_));
  }

  const options& opts_;
  stats stats_;
  fleet fleet_;
  histogram latency_;
  std::vector<uint32_t> free_;
  std::string target_;
  bool running_ = false;
  uint64_t start_ns_ = 0, total_ = 0;
  uint64_t started_ = 0, welcomed_ = 0, finished_ = 0, failed_ = 0, streams_used_ = 0;
  uint64_t behind_ = 0, last_welcome_ns_ = 0;
};

// Starts every connection that is due, unless the connect queue is already
// a full concurrency deep: then the schedule slips and `behind` counts it.
void churn_run::tick(uint64_t now) {
  if (!running_)
    return;
  uint64_t due = std::min(total_, uint64_t(double(now - start_ns_) * opts_.rate / 1e9) + 1);
  while (started_ < due) {
    if (fleet_.queued() >= opts_.connect_concurrency) {
      ++behind_;
      return;
    }
    if (free_.empty()) {
      fleet_.add(target());
    } else {
      fleet_.reconnect(free_.back(), target());
      free_.pop_back();
    }
    ++started_;
  }
}

// The server frees a closed socket's actors and topic asynchronously: give
// it --settle (at least 1 s) before reading its RSS again.
void churn_run::report_rss(report& r, int64_t before, int64_t anon_before) {
  if (!opts_.server_pid)
    return;
  uint64_t now = now_ns();
  uint64_t until = now + uint64_t(std::max(opts_.settle_s, 1.0) * 1e9);
  while (now < until)
    now = fleet_.turn(std::min<uint64_t>(until - now, 100 * ms_ns));
  int64_t after = rss_bytes(opts_.server_pid);
  r.number("server_rss_before_mib", double(before) / 1048576, "MiB");
  r.number("server_rss_after_mib", double(after) / 1048576, "MiB");
  r.number("server_rss_growth_pct", 100.0 * double(after - before) / double(before),
           "% (after every connection closed)");
  // RssFile grows too the first time code paths run (pages of the binary
  // and its libraries); RssAnon is what the server allocated and kept.
  int64_t anon_after = rss_bytes(opts_.server_pid, "RssAnon:");
  r.number("server_rss_anon_before_mib", double(anon_before) / 1048576, "MiB");
  r.number("server_rss_anon_after_mib", double(anon_after) / 1048576, "MiB");
}

int churn_run::run(report& r) {
  target_ = chat_target(opts_, opts_.stream_prefix);
  total_ = uint64_t(opts_.rate * opts_.duration_s);
  double cpu0 = cpu_seconds(0);
  double server0 = opts_.server_pid ? cpu_seconds(opts_.server_pid) : 0;
  int64_t rss_before = opts_.server_pid ? rss_bytes(opts_.server_pid) : -1;
  int64_t anon_before = opts_.server_pid ? rss_bytes(opts_.server_pid, "RssAnon:") : -1;
  start_ns_ = now_ns();
  running_ = true;
  uint64_t now = start_ns_;
  uint64_t next_report = now + s_ns;
  uint64_t end = start_ns_ + uint64_t(opts_.duration_s * 1e9);
  uint64_t step = opts_.rate > 0 ? std::max<uint64_t>(uint64_t(1e9 / opts_.rate), 100000) : ms_ns;
  while (now < end || started_ < total_) {
    now = fleet_.turn(std::min<uint64_t>(step, ms_ns));
    if (now >= next_report) {
      progress(opts_, "%.0fs: started %llu, welcomed %llu, failed %llu",
               double(now - start_ns_) / 1e9, (unsigned long long)started_,
               (unsigned long long)welcomed_, (unsigned long long)failed_);
      next_report += s_ns;
    }
    if (now > end + uint64_t(opts_.connect_timeout_s * 1e9))
      break; // the queue never drained
  }
  running_ = false;
  uint64_t wait_end = now + uint64_t((opts_.connect_timeout_s + 5) * 1e9);
  while ((fleet_.open() > 0 || fleet_.queued() > 0) && now < wait_end)
    now = fleet_.turn(10 * ms_ns);
  double elapsed = double(std::max(last_welcome_ns_, end) - start_ns_) / 1e9;
  double bench_cpu = cpu_seconds(0) - cpu0;
  double server_cpu = opts_.server_pid ? cpu_seconds(opts_.server_pid) - server0 : 0;
  fleet_.close_all(2 * s_ns);
  report_rss(r, rss_before, anon_before);
  r.count("attempted", started_);
  r.count("welcomed", welcomed_);
  r.count("failed", failed_);
  r.count("unfinished", started_ - std::min(started_, finished_));
  r.count("behind_schedule_ticks", behind_);
  r.number("connects_per_s", double(welcomed_) / elapsed, "connects/s achieved");
  r.latency("welcome_latency", latency_);
  r.number("bench_cpu_pct", 100 * bench_cpu / elapsed, "% of a core");
  if (opts_.server_pid)
    r.number("server_cpu_pct", 100 * server_cpu / elapsed, "% of a core");
  r.problems(stats_);
  bool ok = welcomed_ == total_ && failed_ == 0 && stats_.total_errors() == 0
            && stats_.total_failures() == 0 && stats_.total_server_closes() == 0;
  r.text("verdict", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

} // namespace

int run_churn(const options& opts) {
  report r("churn");
  r.text("strategy", opts.strategy);
  r.number("rate", opts.rate, "connects/s offered");
  r.number("duration_s", opts.duration_s, "s");
  r.text("streams", opts.same_stream ? "one shared" : "one per connection");
  churn_run run(opts);
  int status = run.run(r);
  r.print();
  return status;
}

} // namespace bench
