// `crowd`: --sockets join one room (chat + presence on one stream), the
// shape where every arrival used to cost every member a frame (`joined`,
// presence `join`): N arrivals, N²/2 frames. It reports how long the whole
// room takes to connect (every socket welcomed, with its history and
// presence state), the frames the sockets got meanwhile, and whether every
// socket's presence count ends at the room's size (the count that replaces
// the per-arrival frames above chat.max-join-leave / presence.max-list).

#include <algorithm>

#include "bench/clock.hpp"
#include "bench/fleet.hpp"
#include "bench/scenarios.hpp"

namespace bench {

namespace {

/// The number after `"count":` in a presence frame, or -1.
int64_t presence_count(std::string_view payload) {
  static constexpr std::string_view key = R"("count":)";
  if (payload.find(R"("client":"presence")") == std::string_view::npos)
    return -1;
  auto at = payload.find(key);
  if (at == std::string_view::npos)
    return -1;
  int64_t v = 0;
  for (auto p = at + key.size(); p < payload.size() && payload[p] >= '0' && payload[p] <= '9'; ++p)
    v = v * 10 + (payload[p] - '0');
  return v;
}

bool presence_state(std::string_view payload) {
  return payload.find(R"("client":"presence")") != std::string_view::npos
         && payload.find(R"("event":"state")") != std::string_view::npos;
}

class crowd_run final : public fleet_handler {
public:
  explicit crowd_run(const options& opts) : opts_(opts), fleet_(opts, *this, stats_) {
    sockets_.assign(opts.sockets, {});
  }

  int run(report& r);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t) override {
    auto& s = sockets_[slot];
    ++frames_;
    if (f.kind == frame_kind::joined || f.kind == frame_kind::left)
      ++announcements_;
    if (f.kind == frame_kind::history)
      s.history = true;
    if (f.kind == frame_kind::other && !f.raw.empty()) {
      if (presence_state(f.raw))
        s.state = true;
      else if (f.raw.find(R"("event":"join")") != std::string_view::npos
               || f.raw.find(R"("event":"leave")") != std::string_view::npos)
        ++announcements_;
      auto n = presence_count(f.raw);
      if (n >= 0)
        s.count = n;
    }
    if (s.history && s.state && !s.ready) {
      s.ready = true;
      ++ready_;
    }
  }

  void on_closed(uint32_t slot, const close_info&, uint64_t) override {
    if (!sockets_[slot].ready)
      ++failed_;
  }

private:
  struct socket_state {
    bool history = false, state = false, ready = false;
    int64_t count = -1;
  };

  void connect_all(const std::string& target);

  const options& opts_;
  stats stats_;
  fleet fleet_;
  std::vector<socket_state> sockets_;
  uint64_t ready_ = 0, failed_ = 0, frames_ = 0, announcements_ = 0;
};

void crowd_run::connect_all(const std::string& target) {
  for (uint64_t i = 0; i < opts_.sockets; ++i)
    fleet_.add(target);
  fleet_.run_until([this] { return ready_ + failed_ >= opts_.sockets; },
                   uint64_t(opts_.ready_timeout_s * 1e9), [this] {
                     progress(opts_, "connecting: %llu/%llu in the room, %llu failed",
                              (unsigned long long)ready_, (unsigned long long)opts_.sockets,
                              (unsigned long long)failed_);
                   });
}

int crowd_run::run(report& r) {
  std::string spec = R"([{"name":"chat","stream":")" + opts_.stream_prefix + R"(","strategy":")"
                     + opts_.strategy + R"("},{"name":"presence","stream":")"
                     + opts_.stream_prefix + R"("}])";
  uint64_t t0 = now_ns();
  connect_all(clients_target(opts_, spec));
  double connect_s = double(now_ns() - t0) / 1e9;
  uint64_t frames_at_ready = frames_;
  progress(opts_, "%llu in the room after %.2f s; waiting %.1f s for the last counts",
           (unsigned long long)ready_, connect_s, std::max(opts_.settle_s, 1.5));
  // Coalesced counts go out at most once a second: wait for the last one.
  fleet_.run_for(uint64_t(std::max(opts_.settle_s, 1.5) * 1e9));
  uint64_t counted = 0;
  for (auto& s : sockets_)
    counted += s.count == int64_t(opts_.sockets);
  fleet_.close_all(10 * s_ns);
  r.count("in_room", ready_);
  r.count("failed", failed_);
  r.number("connect_s", connect_s, "s", 2);
  r.number("connects_per_s", double(ready_) / connect_s, "sockets/s");
  r.count("frames_while_connecting", frames_at_ready);
  r.number("frames_per_socket", double(frames_at_ready) / double(std::max<uint64_t>(ready_, 1)),
           "", 1);
  r.count("join_leave_frames", announcements_);
  r.count("sockets_with_final_count", counted);
  r.problems(stats_);
  bool ok = ready_ == opts_.sockets && counted == opts_.sockets && stats_.total_errors() == 0
            && stats_.total_failures() == 0;
  r.text("verdict", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

} // namespace

int run_crowd(const options& opts) {
  report r("crowd");
  r.text("strategy", opts.strategy);
  r.count("sockets", opts.sockets);
  crowd_run run(opts);
  int status = run.run(r);
  r.print();
  return status;
}

} // namespace bench
