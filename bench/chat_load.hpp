#pragma once
// The engine behind `fanout` and `rooms`: chat sockets in rooms (streams),
// some of which send `send` commands at a paced total rate, while every
// counted receiver takes the latency of each `message` from the send time
// carried in its text. Wait for every catch-up and for the join storm to
// settle, send for --duration, drain, report.

#include <string>
#include <vector>

#include "bench/fleet.hpp"
#include "bench/histogram.hpp"
#include "bench/report.hpp"

namespace bench {

struct chat_member {
  uint32_t room = 0;
  bool sends = false;  ///< sends its share of the rate
  bool counts = true;  ///< its deliveries count (fanout publishers' do not)
};

struct chat_plan {
  std::vector<std::string> rooms;   ///< stream names
  std::vector<chat_member> members; ///< in connect order
  double rate = 0;                  ///< messages/s over all senders
};

class chat_load final : public fleet_handler {
public:
  chat_load(const options& opts, chat_plan plan);
  /// Runs every phase and appends the results to `r`; returns the exit status.
  int run(report& r);

  void on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) override;
  void on_closed(uint32_t slot, const close_info& info, uint64_t now) override;
  void tick(uint64_t now) override;

private:
  struct window {
    uint64_t ns = 0;
    double bench_cpu = 0, server_cpu = 0;
    uint64_t allocations = 0;
    io_counters io;
  };
  window snapshot() const;
  void connect_all();
  void settle();
  void publish();
  void drain();
  void send_one(uint64_t now, uint64_t scheduled);
  void on_message(uint32_t slot, std::string_view text, uint64_t now);
  bool all_delivered() const;
  uint64_t expected() const;
  uint64_t delivered() const;
  void fill(report& r, const window& begin, const window& end) const;
  bool passed() const;

  const options& opts_;
  chat_plan plan_;
  stats stats_;
  fleet fleet_;
  std::vector<uint32_t> senders_;          ///< slots of the sending members
  std::vector<uint32_t> sender_index_;     ///< slot -> index in senders_
  std::vector<uint64_t> sender_seq_;       ///< last seq sent, per sender
  std::vector<uint64_t> room_sent_;        ///< messages sent into each room
  std::vector<uint64_t> room_receivers_;   ///< counted members per room
  std::vector<uint64_t> delivered_;        ///< per slot
  std::vector<uint64_t> last_seq_;         ///< slot * senders + sender, if tracked
  std::vector<uint8_t> ready_, ended_;
  bool track_order_ = false;
  uint64_t ready_count_ = 0, ended_unready_ = 0;
  uint64_t last_join_ns_ = 0;
  bool publishing_ = false;
  uint64_t total_ = 0;                     ///< messages to send
  uint64_t start_ns_ = 0;
  uint64_t sent_ = 0, skipped_ = 0, acked_ = 0, nacked_ = 0;
  uint64_t duplicates_ = 0, reordered_ = 0, foreign_ = 0;
  uint64_t last_delivery_ns_ = 0;
  uint64_t sent_at_stop_ = 0;
  histogram latency_, ack_latency_, send_lag_;
  std::string frame_;                      ///< the command being built, reused
};

} // namespace bench
