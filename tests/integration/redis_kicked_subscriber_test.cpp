// Redis drops a subscriber that reads too slowly: its pub-sub output buffer
// passes `client-output-buffer-limit pubsub` (here 64 KiB) and Redis closes
// the connection. Here the node is stopped (SIGSTOP) while a burst is
// published on a channel it subscribes, and another node keeps sending.
// What the server promises, and what this checks:
//   - the node subscribes again by itself (a reconnect is counted) and
//     /readyz is 200 again; its sockets stay open;
//   - `streams` subscribers lose nothing: every entry stored meanwhile (by
//     the other node) arrives once and in order (the stream listener's
//     connection is not a subscriber and is not dropped);
//   - `pub-sub` subscribers get every message acked after the node is back,
//     none twice (what was published while it was away may be lost: that is
//     pub-sub's at-most-once).
// Runs in integration-redis, with its own redis-server.

#include "actors/disconnector.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// Waits until the Redis log says it dropped a client for its output buffer.
bool wait_for_kick(redis_server& redis, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (redis.logs().find("for overcoming of output buffer limits") != std::string::npos)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(redis_kicked_subscriber_test, TheNodeSubscribesAgainAndStreamsLoseNothing) {
  SB_REDIS_ONLY();
  redis_server redis(redis_options{false, {"--client-output-buffer-limit", "pubsub 64kb 32kb 1"}});
  server_process n1(redis_node_args(redis, "n1"));
  server_process n2(redis_node_args(redis, "n2"));
  auto stream = test_stream();
  chat_peer s1(n1.port(), stream, "streams");
  chat_peer p1(n1.port(), stream, "pub-sub");
  chat_peer writer1(n1.port(), stream, "pub-sub");
  chat_peer writer2(n2.port(), stream, "streams");
  writer2.say("before");
  auto reconnects = scrape(n1.port())["switchboard_broker_reconnects_total"];

  n1.signal(SIGSTOP);
  // Far more than the kernel's socket buffers hold, on the channel every
  // node subscribes for cross-node disconnects (the payload is no request).
  std::string junk(100 * 1024, 'x');
  for (int i = 0; i < 200 && !wait_for_kick(redis, 0ms); ++i)
    redis.command({"PUBLISH", disconnect_channel, junk});
  bool kicked = wait_for_kick(redis, 5s);
  for (int i = 0; i < 3; ++i)
    writer2.say("during-" + std::to_string(i));
  n1.signal(SIGCONT);
  ASSERT_TRUE(kicked) << "Redis never dropped the subscriber:\n" << redis.logs();

  // Right after SIGCONT the node has not read the closed connection yet and
  // still says ready: wait for it to notice the kick first.
  auto after = scrape_until(n1.port(), [&](const samples& s) {
    auto it = s.find("switchboard_broker_reconnects_total");
    return it != s.end() && it->second > reconnects;
  }, 10s);
  EXPECT_GT(after["switchboard_broker_reconnects_total"], reconnects) << n1.logs_tail();
  ASSERT_EQ(wait_for_status(n1.port(), "/readyz", 200, 10s), 200u) << n1.logs_tail();
  // A pub-sub send is refused until the subscriber hears the channel again.
  auto acked = send_until_acked(writer1, "after-", 2, 10s);
  ASSERT_EQ(acked.size(), 2u);

  auto stored = stored_ids(redis, stream + ":chat");
  EXPECT_EQ(read_ids_until(s1, stored.back(), "s1 (streams) on n1"), stored);
  auto seen = read_messages_until(p1, acked.back(), "p1 (pub-sub) on n1");
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a message twice: " << json(seen);
  for (auto& text : acked)
    EXPECT_NE(std::find(seen.begin(), seen.end(), text), seen.end()) << text << " never came";
  for (auto* peer : {&s1, &p1, &writer1, &writer2})
    EXPECT_TRUE(peer->ws.is_open());
}

} // namespace
} // namespace sb::test
