// Redis stalls without going away (PROTOCOL §3 `unavailable`): SIGSTOP for
// 10 s then SIGCONT, and DEBUG SLEEP 10. Its sockets stay connected and
// the kernel keeps taking bytes, so nothing fails fast: only timeouts tell.
// What the server promises, and what this checks (command-timeout 1 s):
//   - every socket stays open;
//   - each chat send during the stall is answered `unavailable` within 5 s
//     (the chat plugin's broker request timeout), the first within twice
//     redis.command-timeout (plus a second for a busy machine);
//   - a send answered `unavailable` is never stored, although Redis runs
//     what it had buffered when it wakes up: the client may send it again;
//   - /readyz says 503 during the stall and 200 again after it;
//   - afterwards sends are acked, each `streams` subscriber has every stored
//     entry exactly once and in order, and each pub-sub subscriber every
//     acked message and no refused one.
// Runs in integration-redis, with its own redis-server.

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
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

constexpr auto stall = 10s;
constexpr auto command_timeout = 1s;
constexpr auto send_bound = 5s;

/// Stops Redis from serving for `stall`, one way or the other.
class stalled_redis {
public:
  stalled_redis(redis_server& redis, const std::string& how) : redis_(redis), how_(how) {
    if (how == "SIGSTOP") {
      ::kill(redis.pid(), SIGSTOP);
      return;
    }
    // DEBUG SLEEP blocks the whole server, this connection's reply included.
    sleeper_ = std::thread([port = redis.port()] {
      redis_connection conn(port, 30s);
      conn.command({"DEBUG", "SLEEP", std::to_string(stall.count())});
    });
    wait_until_asleep(redis.port());
  }
  /// Ends the stall (SIGCONT) or waits for DEBUG SLEEP to return.
  void end() {
    if (how_ == "SIGSTOP")
      ::kill(redis_.pid(), SIGCONT);
    else if (sleeper_.joinable())
      sleeper_.join();
  }
  ~stalled_redis() { end(); }

private:
  // The sleeper's command may not have reached Redis yet, and a send before
  // it would be acked: the stall starts when a PING goes unanswered.
  static void wait_until_asleep(uint16_t port) {
    for (auto until = std::chrono::steady_clock::now() + 5s;
         std::chrono::steady_clock::now() < until;) {
      try {
        redis_connection probe(port, 300ms);
        probe.command({"PING"});
      } catch (const std::exception&) {
        return;
      }
    }
    throw std::runtime_error("Redis still answers PING 5 s after DEBUG SLEEP");
  }

  redis_server& redis_;
  std::string how_;
  std::thread sleeper_;
};

ws_options patient() {
  ws_options o;
  o.timeout = 15s; // longer than any promised reply time
  return o;
}

class redis_stall_test : public ::testing::TestWithParam<std::string> {};

TEST_P(redis_stall_test, SendsAreRefusedInBoundedTimeNeverStoredAndDeliveryResumes) {
  SB_REDIS_ONLY();
  redis_server redis(redis_options{false, {"--enable-debug-command", "local"}});
  server_process n1(redis_node_args(redis, "n1")); // returns once /readyz is 200
  chat_room room(n1.port(), patient());
  auto& [stream, writer, pub_writer, s1, p1] = room;
  writer.say("before");

  auto started = std::chrono::steady_clock::now();
  stalled_redis stalled(redis, GetParam());
  std::vector<std::string> refused;
  for (int i = 0; i < 4; ++i) {
    auto& from = i % 2 == 0 ? writer : pub_writer;
    auto text = "stalled-" + std::to_string(i);
    auto got = send_and_wait(from, text, text);
    EXPECT_EQ(got.kind, "unavailable") << text << " during the stall";
    EXPECT_LE(got.took, send_bound) << text;
    if (i == 0) {
      EXPECT_LE(got.took, 2 * command_timeout + 1s) << "the first send's reply";
    }
    refused.push_back(text);
  }
  EXPECT_EQ(wait_for_status(n1.port(), "/readyz", 503, 3s), 503u) << "ready during the stall";
  ASSERT_LT(std::chrono::steady_clock::now() - started, stall) << "the sends took the whole stall";
  std::this_thread::sleep_until(started + stall);
  stalled.end();

  ASSERT_EQ(wait_for_status(n1.port(), "/readyz", 200, 10s), 200u) << n1.logs_tail();
  auto after = writer.say("after");
  EXPECT_EQ(send_once(pub_writer, "after-pub-sub", "after-pub-sub"), "ack");
  auto stored = stored_ids(redis, stream + ":chat");
  std::vector<std::string> stored_texts;
  for (const auto& e : redis.command({"XRANGE", stream + ":chat", "-", "+"}))
    stored_texts.push_back(json::parse(e[1][3].get<std::string>())["text"]);
  EXPECT_EQ(stored_texts, (std::vector<std::string>{"before", "after", "after-pub-sub"}))
    << "a send answered `unavailable` was stored when Redis woke up";
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(read_ids_until(s1, stored.back(), "s1 (streams)"), stored);
  auto seen = read_messages_until(p1, "after-pub-sub", "p1 (pub-sub)");
  EXPECT_EQ(seen, stored_texts);
  for (auto* peer : {&writer, &pub_writer, &s1, &p1})
    EXPECT_TRUE(peer->ws.is_open());
  EXPECT_FALSE(n1.wait_exit(0ms)) << n1.logs_tail();
}

INSTANTIATE_TEST_SUITE_P(stalls, redis_stall_test, ::testing::Values("SIGSTOP", "DEBUG_SLEEP"),
                         [](const auto& info) { return info.param; });

} // namespace
} // namespace sb::test
