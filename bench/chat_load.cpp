#include "bench/chat_load.hpp"

#include <algorithm>
#include <cstring>

#include "bench/clock.hpp"
#include "bench/proc.hpp"
#include "bench/scenarios.hpp"

namespace bench {

namespace {

constexpr size_t max_text_bytes = 8000;
constexpr size_t max_tracked_senders = 64;

char* append(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

double seconds(uint64_t ns) {
  return double(ns) / 1e9;
}

} // namespace

chat_load::chat_load(const options& opts, chat_plan plan)
  : opts_(opts), plan_(std::move(plan)), fleet_(opts, *this, stats_) {
  size_t n = plan_.members.size();
  sender_index_.assign(n, 0);
  for (uint32_t slot = 0; slot < n; ++slot)
    if (plan_.members[slot].sends) {
      sender_index_[slot] = uint32_t(senders_.size());
      senders_.push_back(slot);
    }
  sender_seq_.assign(senders_.size(), 0);
  room_sent_.assign(plan_.rooms.size(), 0);
  room_receivers_.assign(plan_.rooms.size(), 0);
  for (auto& m : plan_.members)
    room_receivers_[m.room] += m.counts ? 1 : 0;
  delivered_.assign(n, 0);
  ready_.assign(n, 0);
  ended_.assign(n, 0);
  track_order_ = senders_.size() <= max_tracked_senders;
  if (track_order_)
    last_seq_.assign(n * senders_.size(), 0);
  frame_.resize(max_text_bytes + 1024);
}

int chat_load::run(report& r) {
  for (auto& m : plan_.members)
    fleet_.add(chat_target(opts_, plan_.rooms[m.room]));
  connect_all();
  settle();
  auto begin = snapshot();
  publish();
  drain();
  auto end = snapshot();
  progress(opts_, "closing %zu sockets", fleet_.open());
  fleet_.close_all(5 * s_ns);
  fill(r, begin, end);
  return passed() ? 0 : 1;
}

chat_load::window chat_load::snapshot() const {
  window w;
  w.allocations = allocations(); // first: reading /proc below allocates
  w.io = io;
  w.ns = now_ns();
  w.bench_cpu = cpu_seconds(0);
  w.server_cpu = opts_.server_pid ? cpu_seconds(opts_.server_pid) : -1.0;
  return w;
}

// --- phases --------------------------------------------------------------------------

void chat_load::connect_all() {
  uint64_t now = now_ns();
  uint64_t deadline = now + uint64_t(opts_.ready_timeout_s * 1e9);
  uint64_t next_report = now + s_ns;
  size_t n = plan_.members.size();
  while (ready_count_ + ended_unready_ < n && now < deadline) {
    now = fleet_.turn(50 * ms_ns);
    if (now >= next_report) {
      progress(opts_, "connecting: %llu/%zu ready, %llu failed", (unsigned long long)ready_count_,
               n, (unsigned long long)ended_unready_);
      next_report = now + s_ns;
    }
  }
  progress(opts_, "connected: %llu/%zu ready, %llu failed", (unsigned long long)ready_count_, n,
           (unsigned long long)ended_unready_);
}

// Every join sends `joined` to the whole room: wait until that storm is over
// so it does not count against the first messages.
void chat_load::settle() {
  uint64_t now = now_ns();
  uint64_t quiet = uint64_t(opts_.settle_s * 1e9);
  uint64_t since = std::max(now, last_join_ns_);
  uint64_t deadline = now + 60 * s_ns;
  while (now < deadline && now - std::max(since, last_join_ns_) < quiet)
    now = fleet_.turn(10 * ms_ns);
}

void chat_load::publish() {
  total_ = plan_.rate > 0 ? uint64_t(plan_.rate * opts_.duration_s) : 0;
  progress(opts_, "sending %llu messages at %.0f msg/s for %.1f s", (unsigned long long)total_,
           plan_.rate, opts_.duration_s);
  start_ns_ = now_ns();
  publishing_ = true;
  uint64_t end = start_ns_ + uint64_t(opts_.duration_s * 1e9);
  uint64_t next_report = start_ns_ + s_ns;
  uint64_t now = start_ns_;
  while (now < end && !senders_.empty() && total_ > 0) {
    uint64_t next = start_ns_ + uint64_t(double(sent_ + skipped_) * 1e9 / plan_.rate);
    now = fleet_.turn(next > now ? std::min(next - now, 10 * ms_ns) : 0);
    if (now >= next_report) {
      progress(opts_, "%.0fs: sent %llu, delivered %llu of %llu", seconds(now - start_ns_),
               (unsigned long long)sent_, (unsigned long long)delivered(),
               (unsigned long long)expected());
      next_report += s_ns;
    }
  }
  tick(now_ns());
  publishing_ = false;
  sent_at_stop_ = sent_;
}

void chat_load::drain() {
  uint64_t now = now_ns();
  uint64_t deadline = now + uint64_t(opts_.drain_timeout_s * 1e9);
  uint64_t next_check = now;
  while (now < deadline) {
    if (now >= next_check) {
      if (all_delivered())
        break;
      next_check = now + 10 * ms_ns;
    }
    now = fleet_.turn(5 * ms_ns);
  }
  progress(opts_, "drained: delivered %llu of %llu", (unsigned long long)delivered(),
           (unsigned long long)expected());
}

// --- sending -------------------------------------------------------------------------

// Sends every message that is due. The schedule is fixed in advance
// (open loop): if the bench or the server falls behind, messages go out
// late, and `send_lag` says by how much.
void chat_load::tick(uint64_t now) {
  if (!publishing_)
    return;
  while (sent_ + skipped_ < total_) {
    uint64_t k = sent_ + skipped_;
    uint64_t scheduled = start_ns_ + uint64_t(double(k) * 1e9 / plan_.rate);
    if (scheduled > now)
      return;
    send_one(now, scheduled);
  }
}

void chat_load::send_one(uint64_t now, uint64_t scheduled) {
  uint64_t k = sent_ + skipped_;
  uint32_t slot = senders_[k % senders_.size()];
  uint32_t sender = sender_index_[slot];
  auto& c = fleet_.client(slot);
  if (c.state() != ws_state::open || !c.welcomed) {
    ++skipped_; // its socket is gone: already reported as a failure or close
    return;
  }
  auto& room = plan_.rooms[plan_.members[slot].room];
  char* begin = frame_.data();
  char* p = append(begin, R"({"client":"chat","stream":")");
  p = append(p, room);
  p = append(p, R"(","event":"send","ref":)");
  p = write_u64(p, now);
  p = append(p, R"(,"data":{"text":")");
  marker m{now, sender, ++sender_seq_[sender]};
  p += write_marker(p, max_text_bytes, m, std::min<size_t>(opts_.text_bytes, max_text_bytes));
  p = append(p, "\"}}");
  fleet_.send_text(slot, begin, size_t(p - begin));
  ++sent_;
  ++room_sent_[plan_.members[slot].room];
  send_lag_.record(now - scheduled);
}

// --- receiving -----------------------------------------------------------------------

void chat_load::on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) {
  switch (f.kind) {
    case frame_kind::message: return on_message(slot, f.text, now);
    case frame_kind::joined: last_join_ns_ = now; break;
    case frame_kind::history:
      if (!ready_[slot]) {
        ready_[slot] = 1;
        ++ready_count_;
      }
      break;
    case frame_kind::ack:
      ++acked_;
      if (f.ref && f.ref <= now)
        ack_latency_.record(now - f.ref);
      break;
    case frame_kind::error: nacked_ += f.ref ? 1 : 0; break;
    default: break;
  }
}

void chat_load::on_message(uint32_t slot, std::string_view text, uint64_t now) {
  if (!plan_.members[slot].counts)
    return;
  marker m;
  if (!read_marker(text, m) || m.sender >= senders_.size() || m.sent_ns > now) {
    ++foreign_;
    return;
  }
  latency_.record(now - m.sent_ns);
  ++delivered_[slot];
  last_delivery_ns_ = now;
  if (!track_order_)
    return;
  auto& last = last_seq_[size_t(slot) * senders_.size() + m.sender];
  if (m.seq <= last)
    ++duplicates_;
  else if (m.seq != last + 1)
    ++reordered_; // a gap now: a later message overtook this sender's earlier one
  last = std::max(last, m.seq);
}

void chat_load::on_closed(uint32_t slot, const close_info&, uint64_t) {
  if (ended_[slot])
    return;
  ended_[slot] = 1;
  if (!ready_[slot])
    ++ended_unready_;
}

// --- results -------------------------------------------------------------------------

bool chat_load::all_delivered() const {
  if (acked_ + nacked_ < sent_)
    return false;
  for (uint32_t slot = 0; slot < plan_.members.size(); ++slot) {
    auto& m = plan_.members[slot];
    if (m.counts && !ended_[slot] && delivered_[slot] < room_sent_[m.room])
      return false;
  }
  return true;
}

uint64_t chat_load::expected() const {
  uint64_t n = 0;
  for (size_t room = 0; room < room_sent_.size(); ++room)
    n += room_sent_[room] * room_receivers_[room];
  return n;
}

uint64_t chat_load::delivered() const {
  uint64_t n = 0;
  for (auto d : delivered_)
    n += d;
  return n;
}

bool chat_load::passed() const {
  return delivered() == expected() && duplicates_ == 0 && skipped_ == 0 && acked_ == sent_
         && sent_ == total_ && stats_.total_errors() == 0 && stats_.total_failures() == 0
         && stats_.total_server_closes() == 0 && ready_count_ == plan_.members.size();
}

void chat_load::fill(report& r, const window& begin, const window& end) const {
  uint64_t span = std::max(end.ns, last_delivery_ns_) - start_ns_;
  uint64_t load_span = std::max<uint64_t>(uint64_t(opts_.duration_s * 1e9),
                                          std::max(last_delivery_ns_, start_ns_) - start_ns_);
  double window_s = seconds(span);
  r.count("sockets_ready", ready_count_);
  r.count("sent", sent_);
  r.count("unsent", total_ - sent_, "(sender socket gone)");
  r.count("acked", acked_);
  r.count("expected_deliveries", expected());
  r.count("delivered", delivered());
  r.count("missing", expected() > delivered() ? expected() - delivered() : 0);
  if (track_order_) {
    r.count("duplicates", duplicates_);
    r.count("reordered", reordered_);
  }
  r.count("foreign_messages", foreign_);
  r.number("messages_per_s", double(sent_) / opts_.duration_s, "msg/s in");
  r.number("deliveries_per_s", double(delivered()) / seconds(load_span), "frames/s out");
  r.latency("latency", latency_);
  r.latency("ack_latency", ack_latency_);
  r.latency("send_lag", send_lag_);
  r.number("measured_window_s", window_s, "s", 2);
  r.number("bench_cpu_pct", 100 * (end.bench_cpu - begin.bench_cpu) / window_s, "% of a core");
  if (opts_.server_pid)
    r.number("server_cpu_pct", 100 * (end.server_cpu - begin.server_cpu) / window_s,
             "% of a core");
  r.count("bench_allocations", end.allocations - begin.allocations, "during load");
  uint64_t reads = end.io.reads - begin.io.reads;
  r.count("bench_reads", reads);
  r.number("frames_per_read", double(end.io.frames - begin.io.frames) / double(std::max<uint64_t>(reads, 1)), "", 1);
  r.problems(stats_);
  r.text("verdict", passed() ? "PASS" : "FAIL");
}

// --- the two scenarios -----------------------------------------------------------------

int run_fanout(const options& opts) {
  chat_plan plan;
  plan.rooms = {opts.stream_prefix};
  plan.rate = opts.rate;
  for (uint64_t i = 0; i < opts.subscribers; ++i)
    plan.members.push_back({0, false, true});
  for (uint64_t i = 0; i < opts.publishers; ++i)
    plan.members.push_back({0, true, false});
  report r("fanout");
  r.text("strategy", opts.strategy);
  r.count("subscribers", opts.subscribers);
  r.count("publishers", opts.publishers);
  r.number("rate", opts.rate, "msg/s offered");
  r.number("duration_s", opts.duration_s, "s");
  chat_load load(opts, std::move(plan));
  int status = load.run(r);
  r.print();
  return status;
}

int run_rooms(const options& opts) {
  chat_plan plan;
  uint64_t streams = std::max<uint64_t>(1, std::min(opts.streams, opts.sockets));
  for (uint64_t i = 0; i < streams; ++i)
    plan.rooms.push_back(opts.stream_prefix + ":" + std::to_string(i));
  plan.rate = opts.rate_per_socket * double(opts.sockets);
  for (uint64_t i = 0; i < opts.sockets; ++i)
    plan.members.push_back({uint32_t(i % streams), true, true});
  report r("rooms");
  r.text("strategy", opts.strategy);
  r.count("sockets", opts.sockets);
  r.count("streams", streams);
  r.number("rate_per_socket", opts.rate_per_socket, "msg/s");
  r.number("rate", plan.rate, "msg/s offered");
  r.number("duration_s", opts.duration_s, "s");
  chat_load load(opts, std::move(plan));
  int status = load.run(r);
  r.print();
  return status;
}

} // namespace bench
