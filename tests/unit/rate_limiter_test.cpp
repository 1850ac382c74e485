#include <gtest/gtest.h>

#include "actors/rate_limiter.hpp"

using sb::rate_limiter;
using namespace std::chrono_literals;

TEST(rate_limiter, allows_a_burst_then_refuses) {
  auto t0 = rate_limiter::clock::now();
  rate_limiter limiter{50, 20, t0};
  for (int i = 0; i < 50; ++i)
    EXPECT_TRUE(limiter.allow(t0)) << i;
  EXPECT_FALSE(limiter.allow(t0));
}

TEST(rate_limiter, refills_at_the_configured_rate) {
  auto t0 = rate_limiter::clock::now();
  rate_limiter limiter{5, 20, t0};
  for (int i = 0; i < 5; ++i)
    limiter.allow(t0);
  EXPECT_FALSE(limiter.allow(t0));
  EXPECT_TRUE(limiter.allow(t0 + 50ms)); // 20/s = one token per 50 ms
  EXPECT_FALSE(limiter.allow(t0 + 50ms));
  int allowed = 0;
  for (int i = 0; i < 100; ++i)
    allowed += limiter.allow(t0 + 10s) ? 1 : 0;
  EXPECT_EQ(allowed, 5); // never more than the burst
}

TEST(rate_limiter, zero_rate_means_unlimited) {
  auto t0 = rate_limiter::clock::now();
  rate_limiter limiter{1, 0, t0};
  for (int i = 0; i < 10'000; ++i)
    ASSERT_TRUE(limiter.allow(t0));
}
