// 10,000 short-lived streams (both strategies) leave nothing behind: no
// topic actor, no broker channel or stream-listener key, no Redis
// subscription, and no memory growth past a warm-up. Runs on both brokers.

#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <cstdlib>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

// ASan keeps freed memory in quarantine: RSS says nothing about leaks there
// (LeakSanitizer does, at exit). The server under test is sanitized when
// this binary is, or when `make test-asan` runs this Release binary against
// the ASan build's server (SWITCHBOARD_TEST_SANITIZED=1).
bool server_sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  const char* flag = std::getenv("SWITCHBOARD_TEST_SANITIZED");
  return flag != nullptr && std::string{flag} == "1";
#endif
}
constexpr int churn_rounds = 50;
constexpr int warm_up_rounds = 2;
constexpr int sockets_per_round = 200;
constexpr long rss_slack_kib = 6 * 1024;

// A node always holds one channel of its own: switchboard/disconnect.
bool all_released(const samples& m) {
  for (const auto* name : {"switchboard_sockets_open", "switchboard_topics",
                           "switchboard_broker_channels", "switchboard_broker_stream_keys"}) {
    auto i = m.find(name);
    double idle = std::string{name} == "switchboard_broker_channels" ? 1 : 0;
    if (i == m.end() || i->second != idle) return false;
  }
  return true;
}

std::string describe(const samples& m) {
  std::string out;
  for (const auto* name : {"switchboard_sockets_open", "switchboard_topics",
                           "switchboard_broker_channels", "switchboard_broker_stream_keys"}) {
    auto i = m.find(name);
    out += std::string(name) + "=" + (i == m.end() ? "missing" : std::to_string(i->second)) + " ";
  }
  return out;
}

class churn_test : public ::testing::Test {
protected:
  void SetUp() override {
    // 200 sockets, each with its own io_context (epoll, eventfd, timerfd).
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &lim);
    }
  }

  // Opens one socket per stream of round `r`, reads each opening, closes
  // them: the even ones with a close handshake, the odd ones by dropping TCP.
  void run_round(uint16_t port, int r) {
    std::vector<std::unique_ptr<ws_client>> sockets;
    sockets.reserve(sockets_per_round);
    for (int i = 0; i < sockets_per_round; ++i) {
      auto stream = stream_name(r, i);
      streams_.push_back(stream);
      sockets.push_back(std::make_unique<ws_client>(
        port, ws_client::target(json::array({chat_spec(stream, i % 4 < 2 ? "pub-sub"
                                                                         : "streams")}))));
    }
    for (int i = 0; i < sockets_per_round; ++i) {
      auto frames = sockets[static_cast<size_t>(i)]->read_n(3);
      ASSERT_EQ(frames[0].value("type", ""), "welcome") << frames[0];
      ASSERT_TRUE(is_event(frames[1], "history")) << frames[1];
      ASSERT_TRUE(is_event(frames[2], "joined")) << frames[2];
    }
    for (int i = 0; i < sockets_per_round; ++i)
      if (i % 2 == 0) sockets[static_cast<size_t>(i)]->close();
    sockets.clear();
  }

  std::string stream_name(int r, int i) const {
    return base_ + "." + std::to_string(r) + "." + std::to_string(i);
  }

  std::string base_ = test_stream();
  std::vector<std::string> streams_;
};

TEST_F(churn_test, TenThousandShortLivedStreamsLeaveNothingBehind) {
  server_process server;
  auto start = std::chrono::steady_clock::now();

  for (int r = 0; r < warm_up_rounds; ++r) {
    run_round(server.port(), r);
    if (HasFatalFailure()) return;
  }
  auto m = scrape_until(server.port(), all_released, 10s);
  ASSERT_TRUE(all_released(m)) << "after the warm-up: " << describe(m);
  auto rss_warm = vm_rss_kib(server.pid());

  for (int r = warm_up_rounds; r < churn_rounds; ++r) {
    run_round(server.port(), r);
    if (HasFatalFailure()) return;
  }
  m = scrape_until(server.port(), all_released, 10s);
  EXPECT_TRUE(all_released(m)) << "after " << streams_.size() << " streams: " << describe(m);
  EXPECT_EQ(m["switchboard_sockets_opened_total"], static_cast<double>(streams_.size()));
  auto rss_end = vm_rss_kib(server.pid());
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start).count();
  std::printf("[ CHURN    ] %s: %zu streams in %lld ms, VmRSS %ld KiB after warm-up, %ld KiB "
              "at the end\n",
              broker_name(), streams_.size(), static_cast<long long>(elapsed), rss_warm,
              rss_end);
  if (!server_sanitized()) {
    EXPECT_LT(rss_end - rss_warm, rss_slack_kib)
      << "VmRSS grew from " << rss_warm << " KiB to " << rss_end << " KiB";
  }

  if (redis_mode()) {
    // The node's UNSUBSCRIBEs travel on its own connection: allow them a
    // moment to reach Redis.
    auto& redis = shared_redis();
    std::vector<std::string> numsub{"PUBSUB", "NUMSUB"};
    for (const auto& s : streams_)
      numsub.push_back(s + ":chat");
    json channels;
    size_t subscribed = 0;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    do {
      channels = redis.command({"PUBSUB", "CHANNELS", base_ + ".*"});
      auto counts = redis.command(numsub);
      ASSERT_EQ(counts.size(), 2 * streams_.size());
      subscribed = 0;
      for (size_t i = 1; i < counts.size(); i += 2)
        subscribed += counts[i].get<int64_t>() != 0;
      if (channels.empty() && subscribed == 0) break;
      std::this_thread::sleep_for(20ms);
    } while (std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(channels, json::array()) << "PUBSUB CHANNELS " << base_ << ".*";
    EXPECT_EQ(subscribed, 0u) << "channels with subscribers (PUBSUB NUMSUB)";
  }
  EXPECT_FALSE(server.wait_exit(0ms)) << server.logs_tail();
}

} // namespace
} // namespace sb::test
