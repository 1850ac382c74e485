// The sockets' coarse timers (net/timer_wheel): an entry fires once, never
// before its deadline and at most about a tick after it; a later schedule
// replaces the pending one; a cancelled entry does not fire; an entry may
// schedule itself again from fire(), also from a fire() that runs past the
// next ticks without making their entries wait a turn; past a whole turn
// of the wheel the deadline still holds; and the wheel stops ticking when
// nothing waits, so the loop's run() returns.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "net/timer_wheel.hpp"

using namespace sb;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto tick = 5ms;

struct waiter : timer_wheel::entry {
  void fire() override {
    fired.push_back(clock_type::now());
    if (then)
      then();
  }
  std::vector<clock_type::time_point> fired;
  std::function<void()> then;
};

} // namespace

// Not in the anonymous namespace: gtest derives each test from it.
struct timer_wheel_fixture : ::testing::Test {
  boost::asio::io_context ctx;
  timer_wheel wheel{ctx, tick, 8}; // a turn of 40 ms
  clock_type::time_point start = clock_type::now();

  /// Runs the loop until nothing waits: returns only if the wheel stopped.
  void run() { ctx.run(); ctx.restart(); }

  std::chrono::milliseconds after_start(clock_type::time_point t) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - start);
  }
};

TEST_F(timer_wheel_fixture, FiresOnceNotBeforeItsDeadline) {
  waiter a, b, c;
  wheel.schedule(a, 90ms); // more than two turns
  wheel.schedule(b, 1ms);
  wheel.schedule(c, 12ms);
  EXPECT_EQ(wheel.size(), 3u);
  run();
  ASSERT_EQ(a.fired.size(), 1u);
  ASSERT_EQ(b.fired.size(), 1u);
  ASSERT_EQ(c.fired.size(), 1u);
  EXPECT_GE(after_start(a.fired[0]), 90ms);
  EXPECT_GE(after_start(b.fired[0]), 1ms);
  EXPECT_GE(after_start(c.fired[0]), 12ms);
  EXPECT_LT(b.fired[0], c.fired[0]);
  EXPECT_LT(c.fired[0], a.fired[0]);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(timer_wheel_fixture, AScheduleReplacesThePendingOne) {
  waiter a;
  wheel.schedule(a, 5ms);
  wheel.schedule(a, 40ms);
  EXPECT_EQ(wheel.size(), 1u);
  run();
  ASSERT_EQ(a.fired.size(), 1u);
  EXPECT_GE(after_start(a.fired[0]), 40ms);
}

TEST_F(timer_wheel_fixture, ACancelledEntryDoesNotFire) {
  waiter a, b;
  wheel.schedule(a, 10ms);
  wheel.schedule(b, 10ms);
  wheel.cancel(a);
  wheel.cancel(a); // twice is harmless
  EXPECT_FALSE(a.scheduled());
  EXPECT_TRUE(b.scheduled());
  run();
  EXPECT_TRUE(a.fired.empty());
  EXPECT_EQ(b.fired.size(), 1u);
}

TEST_F(timer_wheel_fixture, AnEntrySchedulesItselfAgainFromFire) {
  waiter a;
  a.then = [&] {
    if (a.fired.size() < 3)
      wheel.schedule(a, 0ms); // not on the running tick: the next one
  };
  wheel.schedule(a, 0ms);
  run();
  ASSERT_EQ(a.fired.size(), 3u);
  EXPECT_LT(a.fired[0], a.fired[1]);
  EXPECT_LT(a.fired[1], a.fired[2]);
}

TEST_F(timer_wheel_fixture, FiringCancelsAnotherWithoutHarm) {
  // Entries of one slot: the first to fire cancels the rest of its list.
  waiter a, b, c;
  a.then = [&] {
    wheel.cancel(b);
    wheel.cancel(c);
  };
  b.then = [&] { wheel.cancel(a); };
  wheel.schedule(c, 10ms);
  wheel.schedule(b, 10ms);
  wheel.schedule(a, 10ms); // head of the slot's list: fires first
  run();
  EXPECT_EQ(a.fired.size(), 1u);
  EXPECT_TRUE(b.fired.empty());
  EXPECT_TRUE(c.fired.empty());
}

TEST_F(timer_wheel_fixture, ASlowFireThatSchedulesSkipsNoTick) {
  // A busy loop: the first entry's fire() runs past the ticks the others
  // are due on, and schedules itself again (a session re-arming). Those
  // ticks are still visited, so the others fire late by the slow fire,
  // not by a whole turn of the wheel.
  boost::asio::io_context big_ctx;
  timer_wheel big{big_ctx, tick, 64}; // a turn of 320 ms
  waiter slow, b, c;
  slow.then = [&] {
    std::this_thread::sleep_for(tick * 4); // the loop is busy
    if (slow.fired.size() == 1)
      big.schedule(slow, tick * 10);
  };
  big.schedule(slow, tick);
  big.schedule(b, tick * 2);
  big.schedule(c, tick * 3);
  big_ctx.run();
  ASSERT_EQ(b.fired.size(), 1u);
  ASSERT_EQ(c.fired.size(), 1u);
  EXPECT_LT(after_start(b.fired[0]), tick * 40) << "b waited for a turn of the wheel";
  EXPECT_LT(after_start(c.fired[0]), tick * 40) << "c waited for a turn of the wheel";
  EXPECT_EQ(slow.fired.size(), 2u);
}

TEST_F(timer_wheel_fixture, DeadlinesBeyondOneTurnHold) {
  // One turn is slots ticks: an entry due later shares a slot with
  // earlier ones and must wait for its own round.
  auto turn = tick * wheel.slots();
  waiter near, far;
  wheel.schedule(near, tick * 3);
  wheel.schedule(far, turn + tick * 3);
  run();
  ASSERT_EQ(far.fired.size(), 1u);
  EXPECT_GE(after_start(far.fired[0]), turn + tick * 3);
  EXPECT_LT(near.fired[0], far.fired[0]);
}
