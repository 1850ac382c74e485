// Stream consumers in this process (actors/consumer_set, the module
// `switchboard worker` runs): two "workers" (two consumer sets, two
// consumer names) on one consumer group, a Redis of the test's own and a
// webhook (test_backend). Every entry reaches the webhook in stream order
// per stream, new keys are found without a restart, a 500 is retried, an
// entry that always fails lands in the dead-letter stream, and entries a
// dead worker left pending are claimed after claim-after.
// tests/integration/worker_test.cpp runs the same through processes.

#include "actors/consumer_set.hpp"
#include "config/redis_url.hpp"
#include "core/consumer_rules.hpp"
#include "core/messages.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/consumer_checks.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_backend.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <map>
#include <variant>

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* key_of_api = "consumer-key";

settings consumer_settings_for(const redis_server& redis, const test_backend& hook,
                               uint32_t max_attempts = 3) {
  settings s;
  s.broker = "redis";
  s.redis_shards = std::get<std::vector<redis_endpoint>>(parse_redis_urls(redis.url()));
  s.api_key = key_of_api;
  consumer_settings c;
  c.name = "archive";
  c.streams = "room:*:chat";
  c.webhook_url = "http://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  c.webhook_host = "127.0.0.1";
  c.webhook_port = hook.port();
  c.webhook_target = "/hook";
  c.max_attempts = max_attempts;
  c.claim_after = 600ms;
  c.retry_delay = 20ms;
  c.timeout = 2s;
  s.consumers.push_back(c);
  return s;
}

/// An actor system with the project's message types, as a worker has.
struct worker_system {
  worker_system() : sys{(register_message_types(cfg), cfg)} {}
  caf::actor_system_config cfg;
  caf::actor_system sys;
};

/// The `n` of each body on `stream` that the webhook got, in arrival order.
std::vector<int> arrivals(const std::vector<json>& bodies, const std::string& stream) {
  std::vector<int> out;
  for (auto& b : bodies)
    if (b.value("stream", "") == stream && b["data"].is_object())
      out.push_back(b["data"].value("n", -1));
  return out;
}

bool all_arrived(const std::vector<json>& bodies, const std::vector<std::string>& streams, int n) {
  for (auto& s : streams)
    if (first_arrivals(bodies, s).size() < static_cast<size_t>(n))
      return false;
  return true;
}

TEST(consumer_test, TwoWorkersShareTheStreamsAndKeepEachStreamInOrder) {
  SB_REDIS_ONLY();
  redis_server redis;
  test_backend hook{key_of_api};
  std::vector<std::string> streams{"room:1", "room:2", "room:3"};
  for (int n = 1; n <= 10; ++n)
    for (auto& s : streams)
      add_numbered(redis, s + ":chat", n); // stored before any worker runs
  add_numbered(redis, "room:1:presence", 1);  // no match: another plugin
  add_numbered(redis, "lobby:1:chat", 1);     // no match: another stream
  auto s = consumer_settings_for(redis, hook);
  worker_system a, b;
  auto first = start_consumers(a.sys, s, "worker-a");
  auto second = start_consumers(b.sys, s, "worker-b");
  for (int n = 11; n <= 30; ++n)
    for (auto& st : streams)
      add_numbered(redis, st + ":chat", n);
  ASSERT_TRUE(hook.wait_until([&](auto& bodies) { return all_arrived(bodies, streams, 30); }, 10s));
  // A new key is picked up without a restart.
  add_numbered(redis, "room:4:chat", 1);
  add_numbered(redis, "room:4:chat", 2);
  ASSERT_TRUE(hook.wait_until([&](auto& bodies) { return all_arrived(bodies, {"room:4"}, 2); }, 10s));
  auto bodies = hook.hooks();
  for (auto& st : streams)
    EXPECT_EQ(first_arrivals(bodies, st), one_to(30)) << st;
  EXPECT_EQ(arrivals(bodies, "lobby:1").size(), 0u);
  auto& sample = bodies.front();
  EXPECT_EQ(sample["client"], "chat");
  EXPECT_EQ(sample["event"], "message");
  EXPECT_TRUE(sample["id"].is_string());
  EXPECT_EQ(hook.unauthorized(), 0u) << "Authorization: Bearer <api.key>";
  for (auto& st : streams)
    EXPECT_TRUE(redis.until([&] { return pending(redis, st + ":chat", "archive") == 0; }))
      << st << " left pending";
}

TEST(consumer_test, AFailingWebhookIsRetriedAndAnEntryThatAlwaysFailsIsBuried) {
  SB_REDIS_ONLY();
  redis_server redis;
  test_backend hook{key_of_api};
  std::map<int, int> attempts; // per n; only the handler's thread touches it
  hook.set_handler([&](const json& body) {
    int n = body["data"].value("n", 0);
    ++attempts[n];
    if (n == 2 && attempts[n] <= 2)
      return backend_answer{500, "{}"}; // fails twice, then works
    if (n == 4)
      return backend_answer{503, "{}"}; // always fails
    return backend_answer{};
  });
  auto s = consumer_settings_for(redis, hook, 3);
  worker_system w;
  auto consumers = start_consumers(w.sys, s, "worker-a");
  std::vector<std::string> ids;
  for (int n = 1; n <= 6; ++n)
    ids.push_back(add_numbered(redis, "room:9:chat", n));
  ASSERT_TRUE(hook.wait_until([&](auto& bodies) { return all_arrived(bodies, {"room:9"}, 6); }, 10s));
  auto got = arrivals(hook.hooks(), "room:9");
  EXPECT_EQ(got, (std::vector<int>{1, 2, 2, 2, 3, 4, 4, 4, 5, 6}))
    << "each retried in place, the next entry only after it; 4 gave up after 3 attempts";
  auto dead_key = dead_letter_key("archive");
  ASSERT_TRUE(redis.until([&] {
    return redis.command({"XLEN", dead_key}).get<long long>() == 1
           && pending(redis, "room:9:chat", "archive") == 0;
  }));
  auto letter = redis.command({"XRANGE", dead_key, "-", "+"})[0][1];
  std::map<std::string, std::string> f;
  for (size_t i = 0; i + 1 < letter.size(); i += 2)
    f[letter[i].get<std::string>()] = letter[i + 1].get<std::string>();
  EXPECT_EQ(f["key"], "room:9:chat");
  EXPECT_EQ(f["id"], ids[3]);
  EXPECT_EQ(json::parse(f["entry"])["data"], R"({"n":4})");
  EXPECT_EQ(f["consumer"], "worker-a");
  EXPECT_EQ(f["attempts"], "3");
  EXPECT_EQ(f["error"], "HTTP 503");
}

TEST(consumer_test, EntriesADeadWorkerLeftPendingAreClaimedAfterClaimAfter) {
  SB_REDIS_ONLY();
  redis_server redis;
  test_backend hook{key_of_api};
  for (int n = 1; n <= 5; ++n)
    add_numbered(redis, "room:5:chat", n);
  // A worker that read three entries and died before posting them.
  redis.command({"XGROUP", "CREATE", "room:5:chat", "archive", "0"});
  redis.command({"XREADGROUP", "GROUP", "archive", "dead-worker", "COUNT", "3", "STREAMS",
                 "room:5:chat", ">"});
  auto s = consumer_settings_for(redis, hook);
  worker_system w;
  auto started = std::chrono::steady_clock::now();
  auto consumers = start_consumers(w.sys, s, "worker-a");
  add_numbered(redis, "room:5:chat", 6);
  ASSERT_TRUE(hook.wait_until([&](auto& bodies) { return all_arrived(bodies, {"room:5"}, 6); }, 10s));
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, s.consumers[0].claim_after) << "the dead worker's entries were claimed early";
  EXPECT_EQ(arrivals(hook.hooks(), "room:5"), one_to(6))
    << "nothing after the dead worker's entries went first";
  EXPECT_TRUE(redis.until([&] { return pending(redis, "room:5:chat", "archive") == 0; }));
}

} // namespace
} // namespace sb::test
