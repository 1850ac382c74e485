#pragma once
// Coarse timers for the sockets of one loop (net/io_loop): a hashed wheel
// turned by one asio timer that ticks while any entry waits. An entry fires
// on the first tick at or after its deadline, so up to one tick late.
// Keepalive and close timers need no finer precision, and an asio timer per
// socket cost 112 B in the session plus a pending wait of 120 to 190 B
// (docs/internals.md). Loop thread only: sessions schedule and cancel from
// their own handlers.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

namespace sb {

class timer_wheel {
public:
  /// Embedded in what waits (a session): fire() runs once per schedule(),
  /// on the loop thread, unless cancelled first.
  class entry {
  public:
    virtual void fire() = 0;
    bool scheduled() const { return linked_; }

  protected:
    entry() = default;
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
    ~entry() = default;

  private:
    friend class timer_wheel;
    entry* prev_ = nullptr;
    entry* next_ = nullptr;
    uint64_t due_ = 0; ///< the tick it fires on
    bool linked_ = false;
  };

  using clock = std::chrono::steady_clock;

  /// At 50 ms a tick, 1,024 slots are a turn of 51 s, longer than the
  /// default ping interval, so most entries are looked at once.
  timer_wheel(boost::asio::io_context& ctx, std::chrono::milliseconds tick,
              size_t slots = 1024);
  timer_wheel(const timer_wheel&) = delete;
  timer_wheel& operator=(const timer_wheel&) = delete;

  /// Fires `e` once `after` has passed; replaces a pending schedule of `e`.
  void schedule(entry& e, std::chrono::milliseconds after);
  /// `e` does not fire (a no-op when it is not scheduled).
  void cancel(entry& e);
  /// Entries waiting.
  size_t size() const { return size_; }
  /// Ticks in one turn of the wheel.
  size_t slots() const { return heads_.size(); }

private:
  uint64_t tick_at(clock::time_point t) const;
  void link(entry& e);
  void unlink(entry& e);
  void wait_for_tick();
  void on_tick();
  void fire_due(size_t slot, uint64_t now);

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  clock::time_point epoch_ = clock::now();
  std::vector<entry*> heads_; ///< a list per slot
  uint64_t done_ = 0;         ///< every tick up to this one has fired
  size_t size_ = 0;
  bool ticking_ = false;
};

} // namespace sb
