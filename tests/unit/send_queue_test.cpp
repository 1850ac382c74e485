#include <gtest/gtest.h>

#include <string>

#include "net/send_queue.hpp"

using namespace sb;

namespace {

frame_ptr bytes(size_t n, char c = 'x') {
  return std::make_shared<const std::string>(n, c);
}

/// Writes everything taken, `chunk` bytes per "sendmsg"; returns the bytes.
std::string drain(send_queue& q, size_t chunk = 1 << 20) {
  std::string out;
  while (!q.idle()) {
    iovec iov[64];
    size_t total = 0;
    auto count = q.gather(iov, 64, total);
    size_t n = std::min(chunk, total);
    size_t left = n;
    for (size_t i = 0; i < count && left > 0; ++i) {
      auto k = std::min(left, iov[i].iov_len);
      out.append(static_cast<const char*>(iov[i].iov_base), k);
      left -= k;
    }
    q.written(n);
  }
  return out;
}

} // namespace

TEST(send_queue, delivers_frames_in_order_and_asks_for_one_wake_up_per_flush) {
  send_queue q{1024};
  EXPECT_TRUE(q.push(bytes(3, 'a')).wake);
  EXPECT_FALSE(q.push(bytes(2, 'b')).wake); // a flush is already asked for
  EXPECT_FALSE(q.take());
  EXPECT_TRUE(q.push(bytes(1, 'c')).wake); // taken: the next push asks again
  EXPECT_EQ(drain(q, 2), "aaabb");         // partial writes resume mid-frame
  q.take();
  EXPECT_EQ(drain(q), "c");
}

TEST(send_queue, a_push_over_the_limit_drops_the_unstarted_frames_and_asks_for_4008) {
  send_queue q{10};
  q.push(bytes(6, 'a'));
  q.take();
  iovec iov[4];
  size_t total = 0;
  q.gather(iov, 4, total);
  q.written(2); // "aa" out, the frame half written
  q.push(bytes(2, 'b'));
  auto pushed = q.push(bytes(5, 'c')); // 4 unsent + 2 + 5 > 10
  EXPECT_TRUE(pushed.overflow);
  EXPECT_FALSE(q.push(bytes(1, 'd')).wake); // closing: dropped
  auto order = q.take();
  ASSERT_TRUE(order);
  EXPECT_EQ(order->code, 4008);
  EXPECT_EQ(order->reason, "Slow consumer");
  EXPECT_EQ(drain(q), "aaaa"); // the started frame is finished, "b" is dropped
  EXPECT_FALSE(q.take());      // the order comes once
}

TEST(send_queue, the_first_close_wins_and_a_reply_replaces_it) {
  send_queue q{1024};
  EXPECT_TRUE(q.close(1008, "first"));
  EXPECT_FALSE(q.close(1001, "second"));
  auto order = q.take();
  ASSERT_TRUE(order);
  EXPECT_EQ(order->code, 1008);
  send_queue echo{1024};
  echo.push(bytes(1, 'r'));
  echo.set_reply(1000, "");
  echo.close(1001, "ignored"); // the peer closed first: its echo goes out
  order = echo.take();
  ASSERT_TRUE(order);
  EXPECT_EQ(order->code, 1000);
  EXPECT_EQ(drain(echo), "r"); // frames queued before the close still go
}
