// `switchboard ctl` against a real node (issue 12, part 1): every command
// in tables and in JSON, kick and disconnect-user seen by the sockets they
// close, the effective configuration with secrets masked, admin.host
// checks, TLS with client certificates, and a ctl that exits with one line
// instead of hanging when the node is not there or does not answer.

#include "net/auth.hpp"
#include "tests/support/admin_pki.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/jwt_maker.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

struct ctl_result {
  int status = -1;
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};
};

/// Runs `switchboard ctl ARGS...` until it exits (at most 20 s).
ctl_result ctl(std::vector<std::string> args) {
  args.insert(args.begin(), {server_binary(), "ctl"});
  auto start = std::chrono::steady_clock::now();
  child_process p(std::move(args));
  auto status = p.wait_exit(20s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - start);
  return {status.value_or(-1), p.text(child_process::output::out),
          p.text(child_process::output::err), took};
}

/// `switchboard check-config ARGS...`: its exit status and stderr.
std::pair<int, std::string> check_config(std::vector<std::string> args) {
  args.insert(args.begin(), {server_binary(), "check-config"});
  child_process p(std::move(args));
  auto status = p.wait_exit(15s);
  return {status.value_or(-1), p.text(child_process::output::err)};
}

/// A node with its admin actor on a free port.
class ctl_test : public ::testing::Test {
protected:
  ctl_test()
      : admin_port_(free_port()),
        node_({"--admin.port=" + std::to_string(admin_port_), "--auth.secret=hush-hush-0123",
               "--auth.issuer=ctl-test"}) {}

  std::string node() const { return "127.0.0.1:" + std::to_string(admin_port_); }

  /// `ctl --node <this node> [--json] ARGS...`, which must succeed.
  ctl_result ask(std::vector<std::string> args, bool as_json = false) {
    args.insert(args.begin(), {"--node", node()});
    if (as_json)
      args.insert(args.begin(), "--json");
    auto r = ctl(args);
    EXPECT_EQ(r.status, 0) << r.err << node_.logs_tail();
    return r;
  }

  /// `sockets` until it lists `n` (a closed socket leaves the list when the
  /// node has handled its close, a moment after the client saw it).
  json sockets_when(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      auto list = ask_json({"sockets"});
      if (list.size() == n || std::chrono::steady_clock::now() > deadline)
        return list;
      std::this_thread::sleep_for(20ms);
    }
  }

  json ask_json(std::vector<std::string> args) {
    auto r = ask(std::move(args), true);
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  /// A socket of user `sub` with chat and presence on `stream`, welcomed.
  std::unique_ptr<ws_client> open_socket(const std::string& stream, const std::string& sub) {
    auto token = make_token(sub);
    auto ws = std::make_unique<ws_client>(
      node_.port(), ws_client::target(json::array({chat_spec(stream),
                                                   {{"name", "presence"}, {"stream", stream}}}),
                                      {{"token", token}}));
    auto welcome = ws->read_json();
    EXPECT_EQ(welcome["type"], "welcome") << welcome;
    last_socket_ = welcome.value("socket", "");
    return ws;
  }

  std::string make_token(const std::string& sub);

  uint16_t admin_port_;
  server_process node_;
  std::string last_socket_; ///< the id of the socket open_socket opened last
};

std::string ctl_test::make_token(const std::string& sub) {
  using namespace std::chrono;
  auto exp = duration_cast<seconds>(system_clock::now().time_since_epoch() + hours(1)).count();
  return sign_token(json{{"sub", sub}, {"iss", "ctl-test"}, {"exp", exp}, {"streams", {"*"}}}.dump(),
                    "hush-hush-0123");
}

TEST_F(ctl_test, SocketsListsUserPeerPluginsAndAge) {
  auto stream = test_stream();
  auto ws = open_socket(stream, "ada");
  auto table = ask({"sockets"}).out;
  EXPECT_NE(table.find("ID"), std::string::npos) << table;
  EXPECT_NE(table.find("ada"), std::string::npos) << table;
  EXPECT_NE(table.find("chat@" + stream), std::string::npos) << table;
  EXPECT_NE(table.find("1 sockets"), std::string::npos) << table;
  auto list = ask_json({"sockets"});
  ASSERT_EQ(list.size(), 1u) << list;
  auto& s = list[0];
  EXPECT_EQ(s["user"], "ada");
  EXPECT_EQ(s["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << s;
  EXPECT_EQ(s["plugins"], json::parse(R"([{"client":"chat","stream":")" + stream
                                      + R"("},{"client":"presence","stream":")" + stream
                                      + R"("}])"));
  EXPECT_EQ(s["queued_bytes"], 0);
  EXPECT_TRUE(s["age_ms"].is_number_unsigned());
  EXPECT_FALSE(s["id"].get<std::string>().empty());
}

TEST_F(ctl_test, TopicsCountMembersAndDeliveredEvents) {
  auto stream = test_stream();
  auto a = open_socket(stream, "ada");
  auto b = open_socket(stream, "bob");
  a->send_json({{"client", "chat"}, {"stream", stream}, {"event", "send"},
                {"data", {{"text", "hi"}}}, {"ref", 1}});
  b->read_until([&](const json& f) {
    return is_event(f, "message", stream, "chat") && f["data"]["text"] == "hi";
  });
  auto topics = ask_json({"topics"});
  json chat;
  for (auto& t : topics)
    if (t["key"] == stream + ":chat")
      chat = t;
  ASSERT_FALSE(chat.is_null()) << topics;
  EXPECT_EQ(chat["members"], 2);
  EXPECT_EQ(chat["strategy"], "pub-sub");
  // joined (ada), joined (bob), the message: each counted once, not per member.
  EXPECT_EQ(chat["delivered"], 3) << chat;
  auto table = ask({"topics"}).out;
  EXPECT_NE(table.find(stream + ":presence"), std::string::npos) << table;
}

TEST_F(ctl_test, KickClosesOneSocketWithTheReason) {
  auto stream = test_stream();
  auto a = open_socket(stream, "ada");
  auto id = last_socket_;
  auto b = open_socket(stream, "ada");
  auto list = ask_json({"sockets"});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[0]["id"] == id || list[1]["id"] == id) << list;
  auto r = ask({"kick", id, "maintenance", "of", "room"});
  EXPECT_NE(r.out.find("closed socket " + id), std::string::npos) << r.out;
  auto closed = a->expect_close();
  EXPECT_EQ(closed.code, 4000);
  EXPECT_EQ(closed.reason, "maintenance of room");
  EXPECT_EQ(sockets_when(1).size(), 1u);
  // An unknown socket is a failure, said on stdout.
  auto none = ctl({"--node", node(), "kick", "no-such-socket"});
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.out.find("no socket no-such-socket"), std::string::npos) << none.out;
  // b lives on.
  b->send_json({{"client", "chat"}, {"stream", stream}, {"event", "send"},
                {"data", {{"text", "still here"}}}, {"ref", 2}});
  b->read_until([](const json& f) { return f.value("type", "") == "ack"; });
}

TEST_F(ctl_test, DisconnectUserClosesEveryOneOfTheirSockets) {
  auto stream = test_stream();
  auto a1 = open_socket(stream, "ada");
  auto a2 = open_socket(test_stream(), "ada");
  auto b = open_socket(stream, "bob");
  auto j = ask_json({"disconnect-user", "ada"});
  EXPECT_EQ(j["closed"], 2) << j;
  EXPECT_EQ(a1->expect_close().code, 1008);
  EXPECT_EQ(a2->expect_close().code, 1008);
  auto left = sockets_when(1);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["user"], "bob");
}

TEST_F(ctl_test, StatsAreTheMetricsCounters) {
  auto ws = open_socket(test_stream(), "ada");
  auto stats = ask_json({"stats"});
  EXPECT_EQ(stats["switchboard_sockets_open"], 1) << stats;
  EXPECT_TRUE(stats.contains("switchboard_send_queue_bytes")) << stats;
  auto table = ask({"stats"}).out;
  EXPECT_NE(table.find("switchboard_sockets_open"), std::string::npos) << table;
}

TEST_F(ctl_test, ConfigShowsTheEffectiveValuesWithSecretsMasked) {
  auto config = ask_json({"config"});
  EXPECT_EQ(config["admin.port"]["value"], std::to_string(admin_port_));
  EXPECT_EQ(config["admin.port"]["origin"], "--admin.port");
  EXPECT_EQ(config["auth.secret"]["value"], "****");
  EXPECT_EQ(config["http.ws-path"]["origin"], "default");
  auto table = ask({"config"}).out;
  EXPECT_EQ(table.find("hush-hush"), std::string::npos) << "secret shown:\n" << table;
}

TEST_F(ctl_test, UsageErrorsExitWithTwo) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"stats"}, // no --node
         {"--node", node()},
         {"--node", node(), "reboot"},
         {"--node", "nowhere", "stats"},
         {"--node", node(), "kick"},
         {"--node", node(), "kick", "x", std::string(124, 'r')},
         {"--node", node(), "disconnect-user"},
         {"--node", node(), "--timeout", "0", "stats"}}) {
    auto r = ctl(args);
    EXPECT_EQ(r.status, 2) << args.back() << ": " << r.err;
    EXPECT_NE(r.err.find("switchboard ctl: "), std::string::npos) << r.err;
  }
}

// No node: one line, non-zero, at once.
TEST(ctl_unreachable_test, NoNodeThereFailsAtOnce) {
  auto r = ctl({"--node", "127.0.0.1:" + std::to_string(free_port()), "stats"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("nothing listens there"), std::string::npos) << r.err;
  EXPECT_LT(r.took, 5s);
}

// A port that accepts and never answers: ctl gives up at its timeout.
TEST(ctl_unreachable_test, ASilentPortFailsAtTheTimeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0); // the kernel accepts; no one ever reads
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto r = ctl({"--node", "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "--timeout", "1",
                "stats"});
  ::close(fd);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("did not answer within 1 s"), std::string::npos) << r.err;
  EXPECT_LT(r.took, 3s);
}

// The HTTP port is no admin port: a clear error, not a hang.
TEST(ctl_unreachable_test, TheHttpPortIsNoAdminPort) {
  server_process node;
  auto r = ctl({"--node", "127.0.0.1:" + std::to_string(node.port()), "stats"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the handshake failed: not an admin port"), std::string::npos) << r.err;
}

TEST(ctl_config_test, AdminHostMustBeLoopbackAndItsPortItsOwn) {
  SB_SKIP_IN_REDIS_MODE();
  auto check = check_config;
  auto [status, err] = check({"--admin.port=9090", "--admin.host=0.0.0.0"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("admin.host other than a loopback address (127.0.0.1, ::1) needs TLS"),
            std::string::npos)
    << err;
  std::tie(status, err) = check({"--admin.port=8080", "--http.port=8080"});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("admin.port must differ"), std::string::npos) << err;
  std::tie(status, err) = check({"--admin.port=9090", "--admin.host=::1"});
  EXPECT_EQ(status, 0) << err;
}

// Cluster-wide, like /api/disconnect: the user's socket on another node closes.
TEST(ctl_cluster_test, DisconnectUserReachesOtherNodes) {
  SB_REDIS_ONLY();
  auto admin_port = free_port();
  server_process node1({"--admin.port=" + std::to_string(admin_port)});
  server_process node2;
  ws_client far(node2.port(), ws_client::target(json::array({chat_spec(test_stream())})));
  auto user = far.read_json()["user"]["id"].get<std::string>();
  auto r = ctl({"--node", "127.0.0.1:" + std::to_string(admin_port), "--json",
                "disconnect-user", user});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["closed"], 0); // none on the node asked
  EXPECT_EQ(far.expect_close().code, 1008);
}

} // namespace
} // namespace sb::test

namespace sb::test {
namespace {

TEST(ctl_tls_test, OnlyACertificateItsCaSignedGetsIn) {
  SB_SKIP_IN_REDIS_MODE();
  admin_pki pki;
  auto admin_port = free_port();
  auto at = "127.0.0.1:" + std::to_string(admin_port);
  // Beyond loopback is allowed with TLS.
  server_process node(pki.node_args(admin_port));
  auto with = [&](const std::string& cert, const std::string& key) {
    return ctl({"--node", at, "--certificate", cert, "--key", key, "--ca", pki.ca, "--timeout",
                "3", "--json", "stats"});
  };
  auto ok = with(pki.ctl, pki.key("ctl"));
  ASSERT_EQ(ok.status, 0) << ok.err << node.logs_tail();
  EXPECT_TRUE(json::parse(ok.out).contains("switchboard_sockets_open")) << ok.out;
  auto rogue = with(pki.rogue, pki.key("rogue"));
  EXPECT_EQ(rogue.status, 1) << rogue.out;
  EXPECT_NE(rogue.err.find("the handshake failed"), std::string::npos) << rogue.err;
  auto plain = ctl({"--node", at, "--timeout", "3", "stats"});
  EXPECT_EQ(plain.status, 1) << plain.out;
  EXPECT_NE(plain.err.find("the handshake failed"), std::string::npos) << plain.err;
  // The node lives on after the strangers.
  EXPECT_EQ(with(pki.ctl, pki.key("ctl")).status, 0) << node.logs_tail();
  // ctl's files are checked before it connects.
  auto bad = ctl({"--node", at, "--certificate", pki.ctl, "--key", pki.key("rogue"), "--ca",
                  pki.ca, "stats"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("does not belong to the certificate"), std::string::npos) << bad.err;
}

TEST(ctl_tls_test, TheNodesFilesAreCheckedAtStart) {
  SB_SKIP_IN_REDIS_MODE();
  admin_pki pki;
  auto check = [](std::vector<std::string> args) {
    args.insert(args.begin(), "--admin.port=9090");
    return check_config(std::move(args));
  };
  auto [status, err] = check({"--admin.certificate=" + pki.node});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("admin.certificate, admin.key and admin.ca, all three"), std::string::npos)
    << err;
  std::tie(status, err) = check({"--admin.certificate=" + pki.node,
                                 "--admin.key=" + pki.key("ctl"), "--admin.ca=" + pki.ca});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("does not belong to the certificate"), std::string::npos) << err;
  std::tie(status, err) = check({"--admin.certificate=" + pki.keys.path() + "/none.crt",
                                 "--admin.key=" + pki.key("node"), "--admin.ca=" + pki.ca});
  EXPECT_EQ(status, 2);
  EXPECT_NE(err.find("admin certificate"), std::string::npos) << err;
  std::tie(status, err) = check({"--admin.certificate=" + pki.node, "--admin.key=" + pki.key("node"),
                                 "--admin.ca=" + pki.ca, "--admin.host=0.0.0.0"});
  EXPECT_EQ(status, 0) << err;
}

} // namespace
} // namespace sb::test
