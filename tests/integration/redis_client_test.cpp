// redis_client after a Redis restart: a command connection that was used a
// moment ago (so its idle check does not fire) must not send its next
// command into the dead socket once another connection of the process saw
// Redis go. Runs in integration-redis, with its own redis-server.

#include "redis/redis_client.hpp"
#include "config/redis_url.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <variant>

namespace sb::test {
namespace {

TEST(redis_client_test, CommandAfterAnotherConnectionLostRedisGoesToAFreshConnection) {
  SB_REDIS_ONLY();
  redis_server redis;
  auto endpoint = std::get<redis_endpoint>(parse_redis_url(redis.url()));
  redis_client idle(endpoint, {}, "idle");
  redis_client watcher(endpoint, {}, "watcher"); // plays the subscriber
  ASSERT_TRUE(idle.ensure_connected());
  ASSERT_TRUE(watcher.ensure_connected());
  ASSERT_NE(idle.command({"PING"}), nullptr);
  ASSERT_NE(watcher.command({"PING"}), nullptr);
  redis.kill9();
  redis.restart();
  // Still within idle's one-second idle check: only the watcher's loss
  // tells it that its socket is suspect.
  EXPECT_EQ(watcher.command({"PING"}), nullptr) << "the watcher's old connection is dead";
  auto reply = idle.command({"SET", "k", "v"});
  EXPECT_NE(reply, nullptr) << "the command went into the connection Redis had closed";
}

// After a Redis restart the subscriber must not wait out seconds of backoff
// while command connections already publish: any connection of the process
// reaching the same Redis ends every other connection's backoff.
TEST(redis_client_test, ABackingOffConnectionRetriesAtOnceWhenAnotherReachesRedis) {
  SB_REDIS_ONLY();
  redis_server redis;
  auto endpoint = std::get<redis_endpoint>(parse_redis_url(redis.url()));
  redis_timeouts timeouts;
  timeouts.connect = std::chrono::milliseconds(200);
  timeouts.backoff_max = std::chrono::seconds(30);
  redis_client waiting(endpoint, timeouts, "waiting");
  redis.kill9();
  // Fail for a while, as a subscriber would during an outage, so that the
  // backoff grows past the time a restart takes (100, 200, 400, 800 ms).
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1600);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_FALSE(waiting.ensure_connected());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  redis.restart();
  redis_client first(endpoint, timeouts, "first");
  ASSERT_TRUE(first.ensure_connected());
  EXPECT_TRUE(waiting.ensure_connected()) << "still backing off although Redis answers";
}

} // namespace
} // namespace sb::test
