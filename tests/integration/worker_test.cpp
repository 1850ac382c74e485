// Worker nodes (issue 12, part 2): `switchboard worker --join` hosts the
// plugins whose placement is `worker`. Each built-in plugin serves a socket
// from a worker; `ctl workers` shows what each hosts; a worker SIGKILLed
// gives its plugins' sockets `unavailable` while a local chat on the same
// socket goes on; a subscribe after that lands on another worker, or gets
// `unavailable` with none, and works again once one joins, all without a
// reconnect; a worker whose node restarts joins the new one. The plugins'
// own suites also run on a worker: CTest's `integration-workers`.

#include "tests/support/admin_pki.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// A node with an admin port and the given placements, and its workers.
class worker_test : public ::testing::Test {
protected:
  explicit worker_test(std::vector<std::string> placements = {"--plugins.chat.placement=worker",
                                                               "--plugins.presence.placement=worker"})
      : admin_port_(free_port()), placements_(std::move(placements)) {
    node_ = start_node();
  }

  std::unique_ptr<server_process> start_node() {
    std::vector<std::string> args{"--admin.port=" + std::to_string(admin_port_)};
    args.insert(args.end(), placements_.begin(), placements_.end());
    return std::make_unique<server_process>(args);
  }

  std::string admin() const { return "127.0.0.1:" + std::to_string(admin_port_); }

  /// Starts `switchboard worker --join` named `name` and waits until both
  /// sides saw the join through: the node took it, the worker got the answer.
  std::unique_ptr<child_process> start_worker(const std::string& name) {
    child_options env;
    env.unset = {"SWITCHBOARD_TEST_BROKER", "SWITCHBOARD_TEST_BIN", "SWITCHBOARD_TEST_SANITIZED",
                 "SWITCHBOARD_TEST_PLACEMENT"};
    auto w = std::make_unique<child_process>(
      std::vector<std::string>{server_binary(), "worker", "--join", admin(), "--node.id=" + name}, env);
    EXPECT_TRUE(node_->wait_for_log("worker " + name + " joined", 20s))
      << node_->logs_tail() << w->tail(child_process::output::err);
    EXPECT_TRUE(w->wait_for(child_process::output::err, "joined the node at", 20s))
      << w->tail(child_process::output::err);
    return w;
  }

  /// `ctl workers --json` of the node.
  json workers() {
    child_process ctl({server_binary(), "ctl", "--node", admin(), "--json", "workers"});
    EXPECT_EQ(ctl.wait_exit(20s), std::optional<int>{0}) << ctl.text(child_process::output::err);
    return json::parse(ctl.text(child_process::output::out));
  }

  uint16_t admin_port_;
  std::vector<std::string> placements_;
  std::unique_ptr<server_process> node_;
};

/// Sends a subscribe and reads up to its reply; the reply.
json subscribe(ws_client& ws, const json& clients, const std::string& ref) {
  ws.send_json({{"type", "subscribe"}, {"ref", ref}, {"clients", clients}});
  auto frames = ws.read_until([&](const json& f) { return f.value("ref", json()) == ref; });
  return frames.back();
}

/// A chat send on `stream`: acked, and the message comes back (in either
/// order: on Redis the event takes another connection than the ack).
void chat_works(ws_client& ws, const std::string& stream, const std::string& ref) {
  ws.send_json(send_command(stream, "still here", ref));
  bool acked = false, echoed = false;
  ws.read_until([&](const json& f) {
    if (f.value("ref", json()) == ref) {
      EXPECT_TRUE(is_ack(f, ref)) << f;
      acked = true;
    }
    echoed = echoed || is_event(f, "message", stream);
    return acked && echoed;
  });
}

TEST_F(worker_test, EachBuiltInPluginServesASocketFromAWorker) {
  auto w = start_worker("w-one");
  auto stream = test_stream();
  ws_client ws(node_->port(), ws_client::target(json::array({chat_spec(stream),
                                                              presence_spec(stream)})));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(welcome["clients"].size(), 2u) << welcome;
  // presence's state and chat's history come from the instances on the worker.
  auto first = ws.read_until([&](const json& f) {
    return is_event(f, "state", stream, "presence");
  });
  EXPECT_EQ(first.back()["data"]["users"].size(), 1u) << first.back();
  chat_works(ws, stream, "r1");
  auto list = workers();
  ASSERT_EQ(list.size(), 1u) << list;
  EXPECT_EQ(list[0]["name"], "w-one");
  EXPECT_EQ(list[0]["load"], 2);
  EXPECT_EQ(list[0]["hosted"], json::parse(R"({"chat":1,"presence":1})"));
  // Notifications run there too (their own suite runs in integration-workers).
}

class worker_failover_test : public worker_test {
protected:
  worker_failover_test() : worker_test({"--plugins.presence.placement=worker"}) {}
};

TEST_F(worker_failover_test, AKilledWorkerLeavesItsPluginUnavailableAndAnotherTakesOver) {
  auto a = start_worker("w-a");
  auto stream = test_stream();
  ws_client ws(node_->port(), ws_client::target(json::array({chat_spec(stream),
                                                              presence_spec(stream)}),
                                                {{"v", "2"}}));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); });
  auto b = start_worker("w-b");
  a->kill();
  auto gone = ws.read_until([](const json& f) { return f.value("type", "") == "error"; });
  EXPECT_EQ(gone.back().value("code", ""), "unavailable") << gone.back();
  EXPECT_EQ(gone.back().value("client", ""), "presence") << gone.back();
  EXPECT_EQ(gone.back().value("stream", ""), stream) << gone.back();
  // The socket and its local chat go on.
  chat_works(ws, stream, "r1");
  // A subscribe lands on the worker that is left.
  auto again = subscribe(ws, json::array({presence_spec(stream)}), "s1");
  ASSERT_EQ(again["clients"][0].value("ok", false), true) << again;
  auto list = workers();
  ASSERT_EQ(list.size(), 1u) << list;
  EXPECT_EQ(list[0]["name"], "w-b");
  EXPECT_EQ(list[0]["load"], 1);
  // With no worker at all, a subscribe gets unavailable...
  b->kill();
  ws.read_until([](const json& f) { return f.value("type", "") == "error"; });
  auto none = subscribe(ws, json::array({presence_spec(stream)}), "s2");
  EXPECT_EQ(none["clients"][0].value("ok", true), false) << none;
  EXPECT_EQ(none["clients"][0].value("code", ""), "unavailable") << none;
  chat_works(ws, stream, "r2");
  // ...until one joins: no reconnect needed.
  auto c = start_worker("w-c");
  auto back = subscribe(ws, json::array({presence_spec(stream)}), "s3");
  EXPECT_EQ(back["clients"][0].value("ok", false), true) << back;
  ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); });
}

TEST_F(worker_failover_test, AWorkerJoinsItsNodeAgainAfterTheNodeRestarts) {
  auto w = start_worker("w-stays");
  node_->signal(SIGKILL);
  node_->wait_exit(10s);
  EXPECT_TRUE(w->wait_for(child_process::output::err, "lost the node", 20s))
    << w->tail(child_process::output::err);
  node_ = start_node(); // the same admin port
  EXPECT_TRUE(node_->wait_for_log("worker w-stays joined", 30s))
    << node_->logs_tail() << w->tail(child_process::output::err);
  EXPECT_FALSE(w->wait_exit(0ms).has_value()) << "a worker never exits on its own";
  auto stream = test_stream();
  ws_client ws(node_->port(), ws_client::target(json::array({presence_spec(stream)})));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); });
}

TEST(worker_tls_test, OnlyAWorkerWithACertificateTheNodesCaSignedJoins) {
  SB_SKIP_IN_REDIS_MODE();
  admin_pki pki;
  auto admin_port = free_port();
  auto at = "127.0.0.1:" + std::to_string(admin_port);
  auto args = pki.node_args(admin_port);
  args.push_back("--plugins.presence.placement=worker");
  server_process node(args);
  auto worker = [&](const std::string& name, std::vector<std::string> tls) {
    std::vector<std::string> args{server_binary(), "worker", "--join", at, "--node.id=" + name};
    args.insert(args.end(), tls.begin(), tls.end());
    return std::make_unique<child_process>(args);
  };
  auto rogue = worker("w-rogue", {"--admin.certificate=" + pki.rogue,
                                  "--admin.key=" + pki.key("rogue"), "--admin.ca=" + pki.ca});
  auto plain = worker("w-plain", {});
  // The strangers try, are refused at the handshake, and go on trying.
  for (auto* w : {rogue.get(), plain.get()}) {
    EXPECT_TRUE(w->wait_for(child_process::output::err, "cannot reach the node", 20s))
      << w->tail(child_process::output::err);
    EXPECT_FALSE(w->wait_exit(0ms).has_value());
  }
  // Stopped before the good one joins: a failed TLS handshake can drop the
  // process's other TLS links in CAF 0.17 (docs/operations.md, "Workers").
  rogue->kill();
  plain->kill();
  EXPECT_EQ(node.logs().find("worker w-rogue joined"), std::string::npos);
  EXPECT_EQ(node.logs().find("worker w-plain joined"), std::string::npos);
  auto good = worker("w-good", {"--admin.certificate=" + pki.ctl,
                                "--admin.key=" + pki.key("ctl"), "--admin.ca=" + pki.ca});
  ASSERT_TRUE(node.wait_for_log("worker w-good joined", 20s)) << node.logs_tail();
  ASSERT_TRUE(good->wait_for(child_process::output::err, "joined the node at", 20s));
  // The instance runs on the worker that got in.
  auto stream = test_stream();
  ws_client ws(node.port(), ws_client::target(json::array({presence_spec(stream)})));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome")
    << welcome << node.logs_tail() << good->tail(child_process::output::err);
  ws.read_until([&](const json& f) { return is_event(f, "state", stream, "presence"); });
  // A worker checks its files before it connects, as ctl does.
  auto bad = worker("w-bad", {"--admin.certificate=" + pki.ctl,
                              "--admin.key=" + pki.key("rogue"), "--admin.ca=" + pki.ca});
  EXPECT_EQ(bad->wait_exit(20s), std::optional<int>{2});
  EXPECT_NE(bad->text(child_process::output::err).find("does not belong to the certificate"),
            std::string::npos)
    << bad->text(child_process::output::err);
}

TEST(worker_command, UsageErrorsExitWithTwoAndOneLine) {
  SB_SKIP_IN_REDIS_MODE();
  for (auto args : std::vector<std::vector<std::string>>{
         {server_binary(), "worker"},
         {server_binary(), "worker", "--join", "no-port"},
         {server_binary(), "worker", "--join", "127.0.0.1:1", "--plugins.nothing.placement=worker",
          "--admin.port=9"}}) {
    child_process p(args);
    EXPECT_EQ(p.wait_exit(20s), std::optional<int>{2}) << args.back();
    EXPECT_NE(p.text(child_process::output::err).find("switchboard"), std::string::npos);
  }
}

} // namespace
} // namespace sb::test
