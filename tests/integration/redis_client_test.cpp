// redis_client after a Redis restart: a command connection that was used a
// moment ago (so its idle check does not fire) must not send its next
// command into the dead socket once another connection of the process saw
// Redis go. Runs in integration-redis, with its own redis-server.

#include "redis/redis_client.hpp"
#include "redis/redis_url.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

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

} // namespace
} // namespace sb::test
