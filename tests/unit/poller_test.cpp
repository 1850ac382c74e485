// The upgraded sockets' readiness (net/poller): input already there is
// reported when watching starts; events come once per change (edge), not
// while a state lasts; output is reported only once asked for; a watcher
// forgotten during a batch hears nothing more from it; a batch that comes
// back full is followed at once by the rest; and stop() lets the loop end.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "net/poller.hpp"

using namespace sb;
using namespace std::chrono_literals;

namespace {

/// One end of a socket pair, watched; the test writes into the other.
struct pair_watcher : poller::watcher {
  pair_watcher() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    watched = fds[0];
    peer = fds[1];
  }
  ~pair_watcher() {
    ::close(watched);
    ::close(peer);
  }
  void on_ready(uint32_t ev) override {
    events.push_back(ev);
    if (then)
      then();
  }
  void write_byte() { ASSERT_EQ(::write(peer, "x", 1), 1); }

  int watched = -1;
  int peer = -1;
  std::vector<uint32_t> events;
  std::function<void()> then;
};

} // namespace

struct poller_fixture : ::testing::Test {
  boost::asio::io_context ctx;
  poller p{ctx};

  void SetUp() override { p.start(); }

  /// Runs handlers until `done` or a second passes.
  void run_until(const std::function<bool()>& done) {
    auto until = std::chrono::steady_clock::now() + 1s;
    while (!done() && std::chrono::steady_clock::now() < until)
      ctx.run_one_for(50ms);
  }
  /// Runs what is ready now, without waiting.
  void settle() {
    for (int i = 0; i < 5; ++i)
      ctx.poll();
  }
};

TEST_F(poller_fixture, InputAlreadyThereIsReportedAtOnce) {
  pair_watcher w;
  w.write_byte();
  ASSERT_TRUE(p.watch(w.watched, w));
  run_until([&] { return !w.events.empty(); });
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_TRUE(w.events[0] & EPOLLIN);
  EXPECT_FALSE(w.events[0] & EPOLLOUT);
}

TEST_F(poller_fixture, EachChangeIsReportedOnceNotWhileItLasts) {
  pair_watcher w;
  ASSERT_TRUE(p.watch(w.watched, w));
  settle();
  EXPECT_TRUE(w.events.empty());
  w.write_byte();
  run_until([&] { return w.events.size() == 1; });
  settle(); // the byte is still unread: no second report
  EXPECT_EQ(w.events.size(), 1u);
  w.write_byte();
  run_until([&] { return w.events.size() == 2; });
  EXPECT_EQ(w.events.size(), 2u);
}

TEST_F(poller_fixture, OutputIsReportedOnlyOnceAskedFor) {
  pair_watcher w;
  ASSERT_TRUE(p.watch(w.watched, w));
  settle();
  EXPECT_TRUE(w.events.empty());
  ASSERT_TRUE(p.watch_output(w.watched, w));
  run_until([&] { return !w.events.empty(); });
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_TRUE(w.events[0] & EPOLLOUT);
}

TEST_F(poller_fixture, TheEndOfThePeerIsReported) {
  pair_watcher w;
  ASSERT_TRUE(p.watch(w.watched, w));
  ::shutdown(w.peer, SHUT_WR);
  run_until([&] { return !w.events.empty(); });
  ASSERT_EQ(w.events.size(), 1u);
  EXPECT_TRUE(w.events[0] & EPOLLRDHUP);
}

TEST_F(poller_fixture, AWatcherForgottenDuringABatchHearsNoMore) {
  pair_watcher a, b;
  ASSERT_TRUE(p.watch(a.watched, a));
  ASSERT_TRUE(p.watch(b.watched, b));
  // Whichever hears first forgets the other, whose event is in the batch.
  a.then = [&] { p.forget(b.watched, b); };
  b.then = [&] { p.forget(a.watched, a); };
  a.write_byte();
  b.write_byte();
  run_until([&] { return a.events.size() + b.events.size() >= 1; });
  settle();
  ASSERT_EQ(a.events.size() + b.events.size(), 1u);
  auto& forgotten = a.events.empty() ? a : b;
  auto& kept = a.events.empty() ? b : a;
  kept.then = nullptr;
  a.write_byte();
  b.write_byte();
  run_until([&] { return kept.events.size() == 2; });
  settle();
  EXPECT_EQ(kept.events.size(), 2u);
  EXPECT_TRUE(forgotten.events.empty());
}

TEST_F(poller_fixture, MoreThanABatchIsAllReported) {
  constexpr size_t n = poller::batch * 2 + 10;
  std::vector<std::unique_ptr<pair_watcher>> ws;
  for (size_t i = 0; i < n; ++i) {
    ws.push_back(std::make_unique<pair_watcher>());
    ASSERT_TRUE(p.watch(ws.back()->watched, *ws.back()));
    ws.back()->write_byte();
  }
  auto heard = [&] {
    size_t k = 0;
    for (auto& w : ws)
      k += w->events.size();
    return k;
  };
  run_until([&] { return heard() == n; });
  settle();
  EXPECT_EQ(heard(), n);
  for (auto& w : ws)
    EXPECT_EQ(w->events.size(), 1u);
}

TEST_F(poller_fixture, StopLetsTheLoopEnd) {
  p.stop();
  ctx.run(); // returns: nothing waits any more
  SUCCEED();
}
