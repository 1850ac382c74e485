// Stream consumers through `switchboard worker` processes (issue 12, part
// 3): two workers on one consumer group, a Redis and a webhook of the
// test's own. The worker holding entries it is posting is SIGKILLed: every entry
// still reaches the webhook, in order per stream, and none is left
// pending after claim-after. A 500 is retried; an entry that always fails
// lands in the dead-letter stream. tests/integration/consumer_test.cpp
// checks the same module in-process.

#include "core/consumer_rules.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/consumer_checks.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_backend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <set>

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* worker_api_key = "worker-key";

/// `switchboard worker` with one consumer, `archive`, on `room:*:chat`.
std::unique_ptr<child_process> start_worker(const redis_server& redis, const test_backend& hook,
                                            const std::string& name,
                                            const std::string& max_attempts = "10") {
  child_options env;
  env.unset = {"SWITCHBOARD_TEST_BROKER", "SWITCHBOARD_TEST_BIN", "SWITCHBOARD_TEST_SANITIZED",
               "SWITCHBOARD_TEST_PLACEMENT"};
  return std::make_unique<child_process>(
    std::vector<std::string>{server_binary(), "worker", "--broker=redis", "--redis.url=" + redis.url(),
                             "--api.key=" + std::string{worker_api_key}, "--node.id=" + name,
                             "--consumers.archive.streams=room:*:chat",
                             "--consumers.archive.webhook=http://127.0.0.1:"
                               + std::to_string(hook.port()) + "/chat",
                             "--consumers.archive.claim-after=1s",
                             "--consumers.archive.retry-delay=50ms",
                             "--consumers.archive.max-attempts=" + max_attempts},
    env);
}

/// The consumers holding pending entries of `key` in group `archive`.
std::set<std::string> holders(redis_server& redis, const std::string& key) {
  std::set<std::string> out;
  auto summary = redis.command({"XPENDING", key, "archive"});
  if (summary.size() == 4 && summary[3].is_array())
    for (auto& c : summary[3])
      out.insert(c[0].get<std::string>());
  return out;
}

TEST(consumer_worker_test, AWorkerKilledMidBatchLosesNothingAndOrderHolds) {
  SB_REDIS_ONLY();
  redis_server redis;
  test_backend hook{worker_api_key};
  // Slow enough that a worker holds a batch for a while.
  hook.set_handler([](const json&) { return backend_answer{200, "{}", 10ms}; });
  std::vector<std::string> streams{"room:1", "room:2", "room:3", "room:4"};
  constexpr int per_stream = 40;
  for (int n = 1; n <= per_stream; ++n)
    for (auto& s : streams)
      add_numbered(redis, s + ":chat", n);
  auto a = start_worker(redis, hook, "wa");
  auto b = start_worker(redis, hook, "wb");
  // Kill a worker while it holds entries it is posting: the webhook has
  // some of them, Redis still has them pending on that worker.
  std::string victim;
  ASSERT_TRUE(redis.until([&] {
    if (hook.hooks().size() < 10)
      return false;
    for (auto& s : streams)
      for (auto& h : holders(redis, s + ":chat"))
        victim = h;
    return !victim.empty();
  }, 20s)) << a->tail(child_process::output::err) << b->tail(child_process::output::err);
  auto& killed = victim.rfind("wa-", 0) == 0 ? a : b;
  auto& survivor = victim.rfind("wa-", 0) == 0 ? b : a;
  killed->kill(); // SIGKILL, and reaped
  auto survivor_log = [&] { return survivor->tail(child_process::output::err); };
  auto done = [&](const std::vector<json>& bodies) {
    for (auto& s : streams)
      if (first_arrivals(bodies, s).size() < per_stream)
        return false;
    return true;
  };
  ASSERT_TRUE(hook.wait_until(done, 30s)) << survivor_log();
  auto bodies = hook.hooks();
  for (auto& s : streams)
    EXPECT_EQ(first_arrivals(bodies, s), one_to(per_stream)) << s;
  for (auto& s : streams)
    EXPECT_TRUE(redis.until([&] { return pending(redis, s + ":chat", "archive") == 0; }, 10s))
      << s << " has entries left pending: " << survivor_log();
  EXPECT_EQ(hook.unauthorized(), 0u);
}

TEST(consumer_worker_test, A500IsRetriedAndAnEntryThatAlwaysFailsIsDeadLettered) {
  SB_REDIS_ONLY();
  redis_server redis;
  test_backend hook{worker_api_key};
  std::map<int, int> attempts; // touched by the webhook's one connection thread at a time
  std::mutex mutex;
  hook.set_handler([&](const json& body) {
    int n = body["data"].value("n", 0);
    std::lock_guard<std::mutex> guard{mutex};
    ++attempts[n];
    if (n == 2 && attempts[n] == 1)
      return backend_answer{500, "{}"};
    if (n == 3)
      return backend_answer{500, "{}"};
    return backend_answer{};
  });
  auto w = start_worker(redis, hook, "wa", "3");
  for (int n = 1; n <= 4; ++n)
    add_numbered(redis, "room:7:chat", n);
  auto key = dead_letter_key("archive");
  ASSERT_TRUE(redis.until([&] { return redis.command({"XLEN", key}).get<long long>() == 1; }, 20s))
    << w->tail(child_process::output::err);
  ASSERT_TRUE(hook.wait_until([](auto& bodies) { return first_arrivals(bodies, "room:7").size() == 4; }))
    << w->tail(child_process::output::err);
  std::vector<int> all;
  for (auto& b : hook.hooks())
    all.push_back(b["data"].value("n", 0));
  EXPECT_EQ(all, (std::vector<int>{1, 2, 2, 3, 3, 3, 4}));
  auto letter = redis.command({"XRANGE", key, "-", "+"})[0][1];
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < letter.size(); i += 2)
    f[letter[i].get<std::string>()] = letter[i + 1].get<std::string>();
  EXPECT_EQ(f["key"], "room:7:chat");
  EXPECT_EQ(f["attempts"], "3");
  EXPECT_EQ(f["error"], "HTTP 500");
  EXPECT_EQ(f["consumer"].rfind("wa-", 0), 0u) << f["consumer"];
  EXPECT_TRUE(redis.until([&] { return pending(redis, "room:7:chat", "archive") == 0; }));
}

TEST(consumer_worker_test, ConfigurationErrorsExitWithTwoAndOneLine) {
  SB_SKIP_IN_REDIS_MODE();
  struct run {
    std::vector<std::string> args;
    std::string says;
  };
  for (auto& r : std::vector<run>{
         {{server_binary(), "worker"}, "nothing to do: give --join HOST:PORT"},
         {{server_binary(), "worker", "--consumers.archive.streams=*:chat",
           "--consumers.archive.webhook=http://127.0.0.1:1/"},
          "consumers.archive needs broker = redis"},
         {{server_binary(), "worker", "--broker=redis", "--consumers.archive.streams=*:chat"},
          "consumers.archive.webhook must be"}}) {
    child_options env;
    env.unset = {"SWITCHBOARD_TEST_BROKER"};
    child_process p(r.args, env);
    EXPECT_EQ(p.wait_exit(20s), std::optional<int>{2}) << r.args.back();
    auto err = p.text(child_process::output::err);
    EXPECT_NE(err.find(r.says), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}

} // namespace
} // namespace sb::test
