// A pub-sub send is never acked into the void (PROTOCOL §3 `unavailable`):
// after Redis comes back, command connections work at once, but a message
// published before this node's subscriber has subscribed again reaches
// none of this node's sockets. Such sends are refused with `unavailable`
// until the subscriber hears every channel again, /readyz says 503 until
// then, and the subscriber reconnects as soon as any connection of the
// node reaches Redis instead of waiting out its backoff. Runs in
// integration-redis, with its own redis-server.

#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/plugin_socket.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// Two ready nodes on one Redis and a pub-sub chat stream: a writer and a
/// listener on n1 (the sender's node), a listener on n2.
struct two_node_room {
  two_node_room(const redis_server& redis, const std::string& backoff_max)
    : n1(redis_node_args(redis, "n1", backoff_max)),
      n2(redis_node_args(redis, "n2", backoff_max)),
      ready(wait_for_status(n1.port(), "/readyz", 200, 5s) == 200
            && wait_for_status(n2.port(), "/readyz", 200, 5s) == 200),
      stream(test_stream()),
      writer(n1.port(), stream, "pub-sub"),
      p1(n1.port(), stream, "pub-sub"),
      p2(n2.port(), stream, "pub-sub") {
  }

  server_process n1;
  server_process n2;
  bool ready;
  std::string stream;
  chat_peer writer;
  chat_peer p1;
  chat_peer p2;
};

TEST(redis_restart_test, PubSubSendIsRefusedWhileTheNodeCannotHearItsChannel) {
  SB_REDIS_ONLY();
  redis_server redis;
  two_node_room room(redis, "200ms");
  ASSERT_TRUE(room.ready);
  auto& [n1, n2, ready, stream, writer, p1, p2] = room;
  writer.say("before");

  // The subscribers lose Redis and cannot subscribe again, while every
  // command connection keeps working: the window after a restart, held open.
  redis.command({"ACL", "SETUSER", "default", "-subscribe"});
  redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
  EXPECT_EQ(wait_for_status(n1.port(), "/readyz", 503, 5s), 503u)
    << "ready although its subscriber hears nothing";
  EXPECT_EQ(send_once(writer, "unheard", "unheard"), "unavailable")
    << "acked a pub-sub send that no socket of this node can receive";

  redis.command({"ACL", "SETUSER", "default", "+subscribe"});
  for (auto* n : {&n1, &n2})
    ASSERT_EQ(wait_for_status(n->port(), "/readyz", 200, 5s), 200u) << n->logs_tail();
  EXPECT_EQ(send_once(writer, "after", "after"), "ack");
  for (auto* p : {&p1, &p2}) {
    auto seen = read_messages_until(*p, "after", p == &p1 ? "p1 on n1" : "p2 on n2");
    EXPECT_EQ(seen, (std::vector<std::string>{"before", "after"}));
  }
}

// A relay's ephemeral events and /api/publish to a pub-sub client are held
// to the same promise as chat's sends: refused, never acked into the void.
TEST(redis_restart_test, RelayEventsAndApiPublishesAreRefusedWhileTheNodeCannotHear) {
  SB_REDIS_ONLY();
  redis_server redis;
  server_process node(redis_node_args(
    redis, "n1", "200ms",
    {"--plugins.typing.relay", "--plugins.typing.events=typing", "--api.key=restart-key"}));
  ASSERT_EQ(wait_for_status(node.port(), "/readyz", 200, 5s), 200u) << node.logs_tail();
  auto stream = test_stream();
  plugin_socket ada(node.port(), json::array({plugin_spec("typing", stream)}), {{"name", "Ada"}});
  auto publish = [&] {
    return http_post(node.port(), "/api/publish",
                     json{{"stream", stream}, {"client", "chat"}, {"event", "note"},
                          {"data", json::object()}, {"strategy", "pub-sub"}}
                       .dump(),
                     {{"Authorization", "Bearer restart-key"}});
  };
  ASSERT_EQ(ada.command("typing", stream, "typing").value("type", ""), "ack") << "before";
  ASSERT_EQ(publish().status, 200u);

  redis.command({"ACL", "SETUSER", "default", "-subscribe"});
  redis.command({"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_EQ(wait_for_status(node.port(), "/readyz", 503, 5s), 503u);
  auto refused = ada.command("typing", stream, "typing");
  EXPECT_EQ(refused.value("code", ""), "unavailable") << refused;
  auto res = publish();
  EXPECT_EQ(res.status, 503u) << res.body;

  redis.command({"ACL", "SETUSER", "default", "+subscribe"});
  ASSERT_EQ(wait_for_status(node.port(), "/readyz", 200, 5s), 200u) << node.logs_tail();
  EXPECT_EQ(ada.command("typing", stream, "typing").value("type", ""), "ack") << "after";
  EXPECT_EQ(publish().status, 200u);
}

TEST(redis_restart_test, AckedPubSubSendsReachTheirNodeAfterARestartAndQuietNodesHearAgainSoon) {
  SB_REDIS_ONLY();
  redis_server redis;
  // The default backoff: a subscriber that waited it out came back seconds
  // after Redis did.
  two_node_room room(redis, "5s");
  ASSERT_TRUE(room.ready);
  auto& [n1, n2, ready, stream, writer, p1, p2] = room;

  redis.kill9();
  for (auto* n : {&n1, &n2})
    ASSERT_EQ(wait_for_status(n->port(), "/readyz", 503, 5s), 503u);
  // The outage itself: long enough for every connection's backoff to grow.
  std::this_thread::sleep_for(2s);
  redis.restart();

  // Send until three are acked: the sender's node must deliver each one.
  auto acked = send_until_acked(writer, "r", 3, 15s);
  ASSERT_EQ(acked.size(), 3u) << "sends were refused for 15 s after the restart:\n"
                              << n1.logs_tail();
  auto seen1 = read_messages_until(p1, acked.back(), "p1 on n1");
  EXPECT_EQ(seen1, acked) << "an acked message was lost, or a refused one delivered";

  // The quiet node hears again within its subscriber's short backoff
  // (500 ms) of the restart, with no traffic of its own to wake it; from
  // then on it gets everything. Before that, pub-sub is at most once there.
  ASSERT_EQ(wait_for_status(n2.port(), "/readyz", 200, 5s), 200u) << n2.logs_tail();
  EXPECT_EQ(send_once(writer, "late", "late"), "ack");
  auto seen2 = read_messages_until(p2, "late", "p2 on n2");
  for (auto& text : seen2)
    EXPECT_TRUE(text == "late" || std::find(acked.begin(), acked.end(), text) != acked.end())
      << "p2 got " << text << ", which was refused";
  read_messages_until(p1, "late", "p1 on n1");
}

} // namespace
} // namespace sb::test
