#pragma once
// Which broker this run of integration_tests uses. One binary, two CTest
// tests: `integration-memory` runs it as is, `integration-redis` with
// SWITCHBOARD_TEST_BROKER=redis. In redis mode a global GoogleTest
// environment starts one redis-server for the whole run, and every
// server_process that does not choose a broker itself gets
// `--broker=redis --redis.url=<that server>`.

#include "tests/support/redis_server.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::test {

/// True when SWITCHBOARD_TEST_BROKER=redis (unset or "memory": false; any
/// other value fails the run).
bool redis_mode();
/// "memory" or "redis".
const char* broker_name();
/// The arguments that select this run's broker: none in memory mode.
std::vector<std::string> broker_args();
/// The redis-server shared by a redis-mode run; throws in memory mode.
redis_server& shared_redis();

/// True when SWITCHBOARD_TEST_PLACEMENT=worker: every server_process that
/// listens (and sets no admin.port itself) runs chat, presence and
/// notifications on a `switchboard worker` it starts and stops with it.
/// The CTest test `integration-workers` runs the plugins' suites so.
bool worker_mode();

} // namespace sb::test

/// For tests whose subject does not involve the broker (config, HTTP): they
/// run once, in integration-memory.
#define SB_SKIP_IN_REDIS_MODE()                                                      \
  do {                                                                               \
    if (::sb::test::redis_mode())                                                    \
      GTEST_SKIP() << "broker-independent: runs in integration-memory";              \
  } while (0)

/// For tests of Redis itself (several nodes, shards, Redis faults).
#define SB_REDIS_ONLY()                                                              \
  do {                                                                               \
    if (!::sb::test::redis_mode())                                                   \
      GTEST_SKIP() << "needs Redis: runs in integration-redis";                      \
  } while (0)
