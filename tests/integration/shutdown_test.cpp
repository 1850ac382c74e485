// Graceful shutdown (PROTOCOL §7): SIGTERM or SIGINT closes every socket with
// 1001 `Server shutting down` and the process exits 0.

#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <memory>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

class shutdown_test : public ::testing::TestWithParam<int> {};

TEST_P(shutdown_test, EverySocketGets1001AndTheProcessExitsZero) {
  server_process server;
  auto shared = test_stream("shared");
  std::vector<json> clients = {
    json::array({chat_spec(shared)}),
    json::array({chat_spec(shared, "streams")}),
    json::array({chat_spec(test_stream("own"), "streams"), chat_spec(test_stream("other"))}),
  };
  std::vector<std::unique_ptr<ws_client>> sockets;
  for (const auto& c : clients) {
    sockets.push_back(std::make_unique<ws_client>(server.port(), ws_client::target(c)));
    ASSERT_EQ(sockets.back()->read_json().value("type", ""), "welcome");
  }
  server.signal(GetParam());
  for (auto& ws : sockets) {
    auto closed = ws->expect_close();
    EXPECT_EQ(closed.code, 1001);
    EXPECT_EQ(closed.reason, "Server shutting down");
  }
  auto status = server.wait_exit(15s);
  ASSERT_TRUE(status) << "still running; stderr:\n" << server.logs_tail();
  EXPECT_EQ(*status, 0) << server.logs_tail();
}

TEST_P(shutdown_test, IdleServerExitsZero) {
  server_process server;
  server.signal(GetParam());
  auto status = server.wait_exit(15s);
  ASSERT_TRUE(status) << "still running; stderr:\n" << server.logs_tail();
  EXPECT_EQ(*status, 0) << server.logs_tail();
}

INSTANTIATE_TEST_SUITE_P(Signals, shutdown_test, ::testing::Values(SIGTERM, SIGINT),
                         [](const auto& info) {
                           return info.param == SIGTERM ? std::string("Sigterm")
                                                        : std::string("Sigint");
                         });

} // namespace
} // namespace sb::test
