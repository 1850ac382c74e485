// `soak`: is the server as steady at the end of a long run as at its start?
// (docs/soak.md, `make soak`). --sockets sockets over --streams rooms
// (socket i in room i mod S), each with chat and presence on its room, chat
// on pub-sub in even rooms and on streams in odd ones. For --duration s:
// chat messages at a steady --rate (msg/s over every socket, round-robin),
// and --churn-rate sockets per second closed (1000) and connected again,
// each a presence leave and join and a chat left and joined in its room.
//
// Every --sample-interval s one CSV row (--csv): the server's RSS, open
// descriptors and queued outgoing bytes (from /metrics), the sockets, and
// the latency p50/p99/max of the messages delivered in that interval.
// Passes when, after --warmup s:
//   - the server's RSS stays within 5% of its first sample after warm-up;
//   - p99 over the last fifth of the samples after warm-up (at least three)
//     is at most 20% above p99 over the first fifth: minutes of deliveries
//     on each side, not the few seconds a busy neighbour can spoil;
//   - no socket is closed by the server or fails, and no `error` frame comes;
// and, at the end, with the churn stopped: the server's descriptors with
// every socket connected again are exactly the sockets more than once every
// socket closed (and that count is within a few of its count before the
// run: the broker opens some connections only once they are needed).

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/clock.hpp"
#include "bench/fleet.hpp"
#include "bench/histogram.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"
#include "bench/scrape.hpp"

namespace bench {

namespace {

constexpr double rss_tolerance = 0.05;
constexpr double p99_tolerance = 0.20;
constexpr size_t min_compared_samples = 3;
/// Descriptors the server may open during the run and keep: broker
/// connections made once needed (the stream listener's second one).
constexpr int64_t max_lazy_fds = 4;

struct sample {
  double t_s = 0;
  uint64_t sockets = 0;        ///< ours, welcomed and caught up
  double server_sockets = -1;  ///< switchboard_sockets_open
  int64_t rss = -1, rss_anon = -1, fds = -1;
  double queue_bytes = -1;     ///< switchboard_send_queue_bytes
  uint64_t p50 = 0, p99 = 0, max = 0, delivered = 0;
  uint64_t sent = 0, churned = 0, errors = 0, bad_closes = 0;
  double server_cpu_pct = 0;
  bool warm = false;
};

class soak_run final : public fleet_handler {
public:
  explicit soak_run(const options& opts) : opts_(opts), fleet_(opts, *this, stats_) {}

  int run(report& r);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) override;
  void on_closed(uint32_t slot, const close_info& info, uint64_t now) override;
  void tick(uint64_t now) override;

private:
  std::string target(uint64_t socket) const;
  void connect_all();
  void load();
  void send_one(uint64_t now);
  void churn_one(uint64_t now);
  void take_sample(uint64_t now);
  bool wait_for_fds(int64_t want, double timeout_s);
  bool verdicts(report& r);

  const options& opts_;
  stats stats_;
  fleet fleet_;
  std::vector<uint8_t> ready_;
  uint64_t ready_count_ = 0;
  bool running_ = false, reconnecting_ = true;
  uint64_t start_ns_ = 0, scheduled_ = 0, sent_ = 0, churned_ = 0;
  uint64_t send_cursor_ = 0, churn_cursor_ = 0;
  uint64_t delivered_ = 0, foreign_ = 0, bad_closes_ = 0, seq_ = 0;
  histogram window_, total_;
  std::vector<histogram> windows_;   ///< one per sample, for the p99 comparison
  std::vector<sample> samples_;
  uint64_t last_sample_ns_ = 0;
  double last_cpu_ = 0;
  int64_t fds_before_ = -1;
  int64_t fds_open_ = -1, fds_closed_ = -1;
  FILE* csv_ = nullptr;
  std::string frame_ = std::string(256, '\0');
};

std::string soak_target(const options& opts, const std::string& room, bool streams) {
  return clients_target(opts, R"([{"name":"chat","stream":")" + room + R"(","strategy":")"
                                + (streams ? "streams" : "pub-sub")
                                + R"("},{"name":"presence","stream":")" + room + R"("}])");
}

std::string soak_target_for(const options& opts, uint64_t socket) {
  uint64_t room = socket % std::max<uint64_t>(opts.streams, 1);
  return soak_target(opts, opts.stream_prefix + ":" + std::to_string(room), room % 2 == 1);
}

} // namespace

std::string soak_run::target(uint64_t socket) const {
  return soak_target_for(opts_, socket);
}

// --- frames and closes ----------------------------------------------------------------

void soak_run::on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) {
  if (f.kind == frame_kind::history && !ready_[slot]) {
    ready_[slot] = 1;
    ++ready_count_;
  } else if (f.kind == frame_kind::message) {
    marker m;
    if (!read_marker(f.text, m) || m.sent_ns > now) {
      ++foreign_;
      return;
    }
    window_.record(now - m.sent_ns);
    total_.record(now - m.sent_ns);
    ++delivered_;
  }
}

// Our own closes (churn) come back as 1000 from the server; anything else
// is unexpected. Either way the socket connects again, so the run keeps its
// size.
void soak_run::on_closed(uint32_t slot, const close_info& info, uint64_t) {
  if (ready_[slot]) {
    ready_[slot] = 0;
    --ready_count_;
  }
  if (!info.by_us || info.why != failure::none || info.code != 1000)
    ++bad_closes_;
  if (reconnecting_)
    fleet_.reconnect(slot);
}

// --- load ----------------------------------------------------------------------------------

void soak_run::tick(uint64_t now) {
  if (!running_)
    return;
  double elapsed = double(now - start_ns_) / 1e9;
  uint64_t due = uint64_t(elapsed * opts_.rate);
  for (; scheduled_ < due; ++scheduled_)
    send_one(now); // skipped when no socket is caught up
  uint64_t churn_due = uint64_t(elapsed * opts_.churn_rate);
  while (churned_ < churn_due)
    churn_one(now);
}

// The next caught-up socket after the cursor sends one message.
void soak_run::send_one(uint64_t now) {
  size_t n = fleet_.size();
  for (size_t tries = 0; tries < n; ++tries) {
    auto slot = uint32_t(send_cursor_++ % n);
    if (!ready_[slot])
      continue;
    uint64_t room = slot % std::max<uint64_t>(opts_.streams, 1);
    std::string head = R"({"client":"chat","stream":")" + opts_.stream_prefix + ":"
                       + std::to_string(room) + R"(","event":"send","data":{"text":")";
    char text[80];
    size_t len = write_marker(text, sizeof text, marker{now, slot, ++seq_}, 0);
    frame_ = head;
    frame_.append(text, len).append("\"}}");
    fleet_.send_text(slot, frame_.data(), frame_.size());
    ++sent_;
    return;
  }
}

// The next caught-up socket after the cursor closes; on_closed() connects it again.
void soak_run::churn_one(uint64_t now) {
  size_t n = fleet_.size();
  ++churned_;
  for (size_t tries = 0; tries < n; ++tries) {
    auto slot = uint32_t(churn_cursor_++ % n);
    if (!ready_[slot])
      continue;
    ready_[slot] = 0;
    --ready_count_;
    fleet_.close(slot, now);
    return;
  }
}

void soak_run::connect_all() {
  for (uint64_t i = 0; i < opts_.sockets; ++i)
    fleet_.add(target(i));
  ready_.assign(opts_.sockets, 0);
  uint64_t now = now_ns();
  uint64_t deadline = now + uint64_t(opts_.ready_timeout_s * 1e9);
  uint64_t next_report = now + 5 * s_ns;
  while (ready_count_ < opts_.sockets && now < deadline) {
    now = fleet_.turn(50 * ms_ns);
    if (now >= next_report) {
      progress(opts_, "connecting: %llu/%llu ready", (unsigned long long)ready_count_,
               (unsigned long long)opts_.sockets);
      next_report = now + 5 * s_ns;
    }
  }
  progress(opts_, "connected: %llu/%llu ready", (unsigned long long)ready_count_,
           (unsigned long long)opts_.sockets);
}

void soak_run::load() {
  start_ns_ = now_ns();
  last_sample_ns_ = start_ns_;
  last_cpu_ = opts_.server_pid ? cpu_seconds(opts_.server_pid) : 0;
  running_ = true;
  uint64_t end = start_ns_ + uint64_t(opts_.duration_s * 1e9);
  uint64_t interval = uint64_t(opts_.sample_interval_s * 1e9);
  uint64_t now = start_ns_;
  while (now < end) {
    now = fleet_.turn(ms_ns);
    if (now - last_sample_ns_ >= interval)
      take_sample(now);
  }
  running_ = false;
}

// --- samples ---------------------------------------------------------------------------------

void soak_run::take_sample(uint64_t now) {
  sample s;
  s.t_s = double(now - start_ns_) / 1e9;
  s.warm = s.t_s > opts_.warmup_s;
  s.sockets = ready_count_;
  if (opts_.server_pid) {
    s.rss = rss_bytes(opts_.server_pid);
    s.rss_anon = rss_bytes(opts_.server_pid, "RssAnon:");
    s.fds = open_fds(opts_.server_pid);
    double cpu = cpu_seconds(opts_.server_pid);
    s.server_cpu_pct = 100 * (cpu - last_cpu_) / (double(now - last_sample_ns_) / 1e9);
    last_cpu_ = cpu;
  }
  auto m = scrape_metrics(opts_.addr, opts_.port, 2000);
  if (auto i = m.find("switchboard_sockets_open"); i != m.end())
    s.server_sockets = i->second;
  if (auto i = m.find("switchboard_send_queue_bytes"); i != m.end())
    s.queue_bytes = i->second;
  s.p50 = window_.quantile(0.5);
  s.p99 = window_.quantile(0.99);
  s.max = window_.max();
  s.delivered = delivered_;
  s.sent = sent_;
  s.churned = churned_;
  s.errors = stats_.total_errors();
  s.bad_closes = bad_closes_;
  windows_.push_back(window_);
  window_ = histogram{};
  samples_.push_back(s);
  if (csv_) {
    std::fprintf(csv_,
                 "%.1f,%llu,%.0f,%.2f,%.2f,%lld,%.0f,%.3f,%.3f,%.3f,%llu,%llu,%llu,%llu,%llu,"
                 "%.1f,%d\n",
                 s.t_s, (unsigned long long)s.sockets, s.server_sockets,
                 double(s.rss) / 1048576, double(s.rss_anon) / 1048576, (long long)s.fds,
                 s.queue_bytes, double(s.p50) / 1e6, double(s.p99) / 1e6, double(s.max) / 1e6,
                 (unsigned long long)s.sent, (unsigned long long)s.delivered,
                 (unsigned long long)s.churned, (unsigned long long)s.errors,
                 (unsigned long long)s.bad_closes, s.server_cpu_pct, s.warm ? 1 : 0);
    std::fflush(csv_);
  }
  progress(opts_, "%.0fs: %llu sockets, rss %.1f MiB, fds %lld, queued %.0f B, p99 %s",
           s.t_s, (unsigned long long)s.sockets, double(s.rss) / 1048576, (long long)s.fds,
           s.queue_bytes, pretty_ns(s.p99).c_str());
  last_sample_ns_ = now;
}

// The server releases a socket's descriptor once both sides closed: poll.
bool soak_run::wait_for_fds(int64_t want, double timeout_s) {
  uint64_t now = now_ns();
  uint64_t end = now + uint64_t(timeout_s * 1e9);
  while (open_fds(opts_.server_pid) != want && now < end)
    now = fleet_.turn(100 * ms_ns);
  return open_fds(opts_.server_pid) == want;
}

// --- verdicts ----------------------------------------------------------------------------------

namespace {

/// p99 of the merged windows [from, to).
uint64_t merged_p99(const std::vector<histogram>& windows, size_t from, size_t to) {
  histogram h;
  for (size_t i = from; i < to && i < windows.size(); ++i)
    h.merge(windows[i]);
  return h.quantile(0.99);
}

} // namespace

bool soak_run::verdicts(report& r) {
  size_t first_warm = samples_.size();
  for (size_t i = 0; i < samples_.size(); ++i)
    if (samples_[i].warm) {
      first_warm = i;
      break;
    }
  size_t warm_samples = samples_.size() - std::min(first_warm, samples_.size());
  size_t compared_samples = std::max(min_compared_samples, warm_samples / 5);
  bool enough = warm_samples >= 2 * compared_samples;
  int64_t ref = enough ? samples_[first_warm].rss : -1;
  int64_t lo = ref, hi = ref;
  for (size_t i = first_warm; i < samples_.size(); ++i) {
    lo = std::min(lo, samples_[i].rss);
    hi = std::max(hi, samples_[i].rss);
  }
  bool rss_ok = enough && ref > 0 && double(hi) <= double(ref) * (1 + rss_tolerance)
                && double(lo) >= double(ref) * (1 - rss_tolerance);
  uint64_t p99_start = merged_p99(windows_, first_warm, first_warm + compared_samples);
  size_t last = windows_.size() - std::min(windows_.size(), compared_samples);
  uint64_t p99_end = merged_p99(windows_, last, windows_.size());
  bool p99_ok = enough && double(p99_end) <= double(p99_start) * (1 + p99_tolerance);
  bool closes_ok = bad_closes_ == 0 && stats_.total_errors() == 0
                   && stats_.total_failures() == 0 && stats_.total_server_closes() == 0;
  r.count("samples", samples_.size());
  r.count("samples_after_warmup", warm_samples);
  r.count("samples_compared", compared_samples);
  if (!enough)
    r.text("too_short", "fewer than 6 samples after the warm-up: no RSS or p99 verdict");
  r.number("rss_after_warmup_mib", double(ref) / 1048576, "MiB", 2);
  r.number("rss_min_mib", double(lo) / 1048576, "MiB", 2);
  r.number("rss_max_mib", double(hi) / 1048576, "MiB", 2);
  r.number("rss_spread_pct", ref > 0 ? 100.0 * double(hi - lo) / double(ref) : -1, "%", 2);
  r.text("rss_within_5pct", rss_ok ? "yes" : "NO");
  r.number("p99_start_ms", double(p99_start) / 1e6, "ms", 2);
  r.number("p99_end_ms", double(p99_end) / 1e6, "ms", 2);
  r.text("p99_within_20pct", p99_ok ? "yes" : "NO");
  bool fds_ok = fds_open_ >= 0 && fds_open_ - fds_closed_ == int64_t(opts_.sockets)
                && fds_closed_ - fds_before_ <= max_lazy_fds;
  r.count("fds_before", uint64_t(std::max<int64_t>(fds_before_, 0)));
  r.count("fds_all_connected", uint64_t(std::max<int64_t>(fds_open_, 0)));
  r.count("fds_all_closed", uint64_t(std::max<int64_t>(fds_closed_, 0)),
          fds_ok ? "(all connected = all closed + sockets)" : "(NOT all closed + sockets)");
  r.count("unexpected_closes", bad_closes_);
  bool ok = rss_ok && p99_ok && closes_ok && fds_ok;
  r.text("verdict", ok ? "PASS" : "FAIL");
  return ok;
}

int soak_run::run(report& r) {
  if (!opts_.csv.empty()) {
    csv_ = std::fopen(opts_.csv.c_str(), "w");
    if (csv_)
      std::fputs("t_s,sockets,server_sockets,rss_mib,rss_anon_mib,fds,queue_bytes,p50_ms,p99_ms,"
                 "max_ms,sent,delivered,churned,errors,unexpected_closes,server_cpu_pct,warm\n",
                 csv_);
  }
  fds_before_ = opts_.server_pid ? open_fds(opts_.server_pid) : -1;
  connect_all();
  load();
  progress(opts_, "load stopped; waiting for every socket to be back");
  uint64_t now = now_ns();
  uint64_t end = now + 60 * s_ns;
  while (ready_count_ < opts_.sockets && now < end)
    now = fleet_.turn(10 * ms_ns);
  if (opts_.server_pid) {
    wait_for_fds(fds_before_ + int64_t(opts_.sockets), 10);
    fds_open_ = open_fds(opts_.server_pid);
  }
  r.count("messages_sent", sent_);
  r.count("messages_delivered", delivered_);
  r.count("churned", churned_, "sockets closed and connected again");
  r.latency("latency", total_);
  reconnecting_ = false;
  fleet_.close_all(10 * s_ns);
  if (opts_.server_pid) {
    wait_for_fds(fds_open_ - int64_t(opts_.sockets), 10);
    fds_closed_ = open_fds(opts_.server_pid);
  }
  if (csv_)
    std::fclose(csv_);
  r.count("foreign_messages", foreign_);
  r.problems(stats_);
  return verdicts(r) ? 0 : 1;
}

int run_soak(const options& opts) {
  report r("soak");
  r.count("sockets", opts.sockets);
  r.count("rooms", opts.streams);
  r.number("rate", opts.rate, "msg/s");
  r.number("churn_rate", opts.churn_rate, "connects/s");
  r.number("duration_s", opts.duration_s, "s");
  r.number("warmup_s", opts.warmup_s, "s");
  soak_run run(opts);
  int status = run.run(r);
  r.print();
  return status;
}

} // namespace bench
