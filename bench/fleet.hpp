#pragma once
// All the sockets of a run and the one loop that drives them: a bounded
// number connect at a time (so the server's listen backlog is not flooded),
// source addresses rotate over 127.0.0.1..254 (so ephemeral ports never run
// out), server frames are classified once and handed to the scenario.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/frame_scan.hpp"
#include "bench/options.hpp"
#include "bench/poller.hpp"
#include "bench/report.hpp"
#include "bench/ws_client.hpp"

namespace bench {

/// What a scenario hears from the fleet. Called from inside the loop.
class fleet_handler {
public:
  virtual ~fleet_handler() = default;
  /// Every text frame, `welcome` included, on the socket in `slot`.
  virtual void on_frame(uint32_t slot, const scanned_frame& f, uint64_t now) = 0;
  /// The socket in `slot` ended (its failure and close code are in stats).
  virtual void on_closed(uint32_t, const close_info&, uint64_t) {}
  /// Called at the start of every turn and every 64 sockets within one, so
  /// a paced sender stays on time while a large batch is read.
  virtual void tick(uint64_t) {}
};

class fleet final : public ws_events {
public:
  fleet(const options& opts, fleet_handler& handler, stats& st);
  ~fleet() override;

  /// A new socket whose upgrade goes to `target` (path and query); it joins
  /// the connect queue. Returns its slot.
  uint32_t add(std::string target);
  /// Queues a socket that ended for a new connection, to `target` if given.
  void reconnect(uint32_t slot, std::string target = {});
  void send_text(uint32_t slot, const char* data, size_t size);
  void close(uint32_t slot, uint64_t now);
  ws_client& client(uint32_t slot) { return *clients_[slot]; }
  size_t size() const { return clients_.size(); }

  /// Sockets connected or connecting, and those still in the queue.
  size_t open() const { return open_; }
  size_t queued() const { return queue_.size(); }
  /// Sockets between connect() and their `welcome`.
  size_t connecting() const { return connecting_; }

  /// One loop turn: start queued connects, poll (at most `wait_ns`),
  /// dispatch, expire deadlines. Returns the time after the turn.
  uint64_t turn(uint64_t wait_ns);
  /// Turns the loop for `ns`.
  void run_for(uint64_t ns);
  /// Turns the loop until `done()` holds or `timeout_ns` passed, calling
  /// `each_second()` once a second (progress lines).
  void run_until(const std::function<bool()>& done, uint64_t timeout_ns,
                 const std::function<void()>& each_second);
  /// Closes every socket with 1000 and waits up to `timeout_ns` for the
  /// handshakes; whatever is left is dropped.
  void close_all(uint64_t timeout_ns);

  // ws_events
  void on_text(ws_client& c, std::string_view payload, uint64_t now) override;
  void on_closed(ws_client& c, const close_info& info, uint64_t now) override;

private:
  void start_queued(uint64_t now);
  void expire(uint64_t now);
  std::string request_for(const std::string& target);

  const options& opts_;
  fleet_handler& handler_;
  stats& stats_;
  poller poller_;
  std::vector<std::unique_ptr<ws_client>> clients_;
  std::vector<std::string> targets_;
  std::deque<uint32_t> queue_;
  std::vector<char> scratch_;
  sockaddr_in dst_{};
  uint32_t next_source_ = 0;
  uint64_t key_seed_ = 0x9e3779b97f4a7c15;
  size_t open_ = 0;
  size_t connecting_ = 0;
  uint64_t next_expiry_ = 0;
};

} // namespace bench
