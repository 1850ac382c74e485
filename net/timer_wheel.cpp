#include "net/timer_wheel.hpp"

#include <algorithm>

namespace sb {

timer_wheel::timer_wheel(boost::asio::io_context& ctx, std::chrono::milliseconds tick,
                         size_t slots)
  : timer_(ctx), tick_(tick), heads_(slots, nullptr) {
}

uint64_t timer_wheel::tick_at(clock::time_point t) const {
  return static_cast<uint64_t>((t - epoch_) / tick_);
}

// Due on the first tick at or after the deadline, and never on the tick
// that is running: an entry that fire() schedules again waits a tick.
void timer_wheel::schedule(entry& e, std::chrono::milliseconds after) {
  cancel(e);
  auto now = clock::now();
  auto since = now + after - epoch_;
  auto due = static_cast<uint64_t>((since + tick_ - clock::duration{1}) / tick_);
  e.due_ = std::max(due, tick_at(now) + 1);
  link(e);
  ++size_;
  if (!ticking_) {
    done_ = tick_at(now); // nothing waited: no tick is behind
    wait_for_tick();
  }
}

void timer_wheel::cancel(entry& e) {
  if (!e.linked_)
    return;
  unlink(e);
  --size_;
}

void timer_wheel::link(entry& e) {
  auto& head = heads_[e.due_ % heads_.size()];
  e.prev_ = nullptr;
  e.next_ = head;
  if (head)
    head->prev_ = &e;
  head = &e;
  e.linked_ = true;
}

void timer_wheel::unlink(entry& e) {
  if (e.prev_)
    e.prev_->next_ = e.next_;
  else
    heads_[e.due_ % heads_.size()] = e.next_;
  if (e.next_)
    e.next_->prev_ = e.prev_;
  e.prev_ = e.next_ = nullptr;
  e.linked_ = false;
}

void timer_wheel::wait_for_tick() {
  ticking_ = true;
  timer_.expires_at(epoch_ + (done_ + 1) * tick_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      on_tick();
  });
}

// A loop that was busy for several ticks catches up on each; past a whole
// turn, every slot once is enough. Stops ticking when nothing waits.
// `ticking_` stays set while entries fire: a fire() that schedules must not
// take the wheel for idle and move `done_` past slots not visited yet.
void timer_wheel::on_tick() {
  auto now = tick_at(clock::now());
  auto from = std::max(done_ + 1, now + 1 >= slots() ? now + 1 - slots() : 0);
  for (auto t = from; t <= now; ++t)
    fire_due(t % slots(), now);
  done_ = std::max(done_, now);
  ticking_ = false;
  if (size_ > 0)
    wait_for_tick();
}

// From the head again after each fire: fire() may cancel any entry or
// schedule one again, so no pointer into the list outlives it. An entry
// scheduled again is due after `now` and is passed over.
void timer_wheel::fire_due(size_t slot, uint64_t now) {
  for (;;) {
    auto* e = heads_[slot];
    while (e != nullptr && e->due_ > now)
      e = e->next_;
    if (e == nullptr)
      return;
    unlink(*e);
    --size_;
    e->fire();
  }
}

} // namespace sb
