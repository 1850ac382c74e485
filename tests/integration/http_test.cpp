// Plain HTTP on the WebSocket port: liveness, 404 for unknown paths, 426 for
// the ws path without an upgrade, the configurable ws path, the handshake
// timeout, and 431 for request headers over http.max-header-bytes.

#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_ws.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/timed_socket.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

// Plain HTTP does not involve the broker: these run in integration-memory.
class http_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    if (!redis_mode()) start_server({});
  }
  static void TearDownTestSuite() { stop_server(); }
  void SetUp() override {
    SB_SKIP_IN_REDIS_MODE();
    server_suite::SetUp();
  }
};

TEST_F(http_test, LogsWhereItListens) {
  EXPECT_NE(server().logs().find("listening on http://127.0.0.1:" + std::to_string(port())),
            std::string::npos)
    << server().logs_tail();
}

TEST_F(http_test, HealthzReturns200) {
  EXPECT_EQ(http_get(port(), "/healthz").status, 200u);
}

TEST_F(http_test, UnknownPathReturns404) {
  EXPECT_EQ(http_get(port(), "/nope").status, 404u);
}

TEST_F(http_test, WsPathWithoutUpgradeReturns426) {
  EXPECT_EQ(http_get(port(), "/ws").status, 426u);
  EXPECT_EQ(http_get(port(), ws_client::target(json::array({chat_spec("stream:1")}))).status,
            426u);
}

TEST_F(http_test, UpgradeOnAnotherPathReturns404) {
  EXPECT_EQ(http_get(port(), "/nope", upgrade_headers()).status, 404u);
  ws_client ws;
  EXPECT_THROW(ws.connect(port(), "/nope"), std::runtime_error);
}

TEST_F(http_test, UpgradeWithoutHostGets400) {
  // RFC 6455 §4.2.1: a handshake without Host is not a WebSocket request.
  auto target = ws_client::target(json::array({chat_spec(test_stream())}));
  raw_ws without(port(), raw_ws::upgrade_request(port(), target, false));
  EXPECT_EQ(without.read_status(), 400u);
  raw_ws with(port(), raw_ws::upgrade_request(port(), target, true));
  EXPECT_EQ(with.read_status(), 101u);
}

TEST(http_ws_path_test, ConfiguredWsPathIsUsed) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--http.ws-path=/socket"});
  auto clients = json::array({chat_spec(test_stream())});
  ws_client ws(server.port(), ws_client::target(clients, {}, "/socket"));
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(http_get(server.port(), ws_client::target(clients), upgrade_headers()).status, 404u);
  EXPECT_EQ(http_get(server.port(), "/socket").status, 426u);
}

TEST(http_timeout_test, SilentConnectionIsDroppedAfterTheHandshakeTimeout) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--http.handshake-timeout=300ms"});
  boost::asio::io_context ioc;
  timed_socket socket(ioc);
  socket.connect(server.port(), 5s);
  auto start = std::chrono::steady_clock::now();
  char buf[4096];
  boost::beast::error_code ec;
  while (!ec)
    socket.read_some(boost::asio::buffer(buf), ec);  // a 408 response may come first
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_NE(ec, boost::asio::error::timed_out) << "the server kept a silent connection 5 s";
  EXPECT_LT(waited, 4s);
}

TEST_F(http_test, HeadersOverTheDefaultLimitGet431) {
  // The default http.max-header-bytes is 8 KiB.
  auto res = http_get(port(), "/healthz", {{"X-Filler", std::string(9000, 'a')}});
  EXPECT_EQ(res.status, 431u) << res.body;
  EXPECT_EQ(http_get(port(), "/healthz", {{"X-Filler", std::string(4000, 'a')}}).status, 200u);
}

TEST(http_limits_test, HeadersOverTheConfiguredLimitGet431) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--http.max-header-bytes=1024"});
  auto res = http_get(server.port(), "/healthz", {{"X-Filler", std::string(1500, 'a')}});
  EXPECT_EQ(res.status, 431u) << res.body;
  EXPECT_EQ(http_get(server.port(), "/healthz", {{"X-Filler", std::string(500, 'a')}}).status,
            200u);
  // An upgrade request is an HTTP request too.
  auto headers = upgrade_headers();
  headers.emplace_back("X-Filler", std::string(1500, 'a'));
  EXPECT_EQ(http_get(server.port(), ws_client::target(json::array({chat_spec("s:1")})), headers)
              .status,
            431u);
  ws_options opts;
  opts.headers = {{"X-Filler", std::string(1500, 'a')}};
  ws_client ws;
  EXPECT_THROW(ws.connect(server.port(), ws_client::target(json::array({chat_spec("s:1")})),
                          opts),
               std::runtime_error);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u) << "the server is still fine";
}

} // namespace
} // namespace sb::test
