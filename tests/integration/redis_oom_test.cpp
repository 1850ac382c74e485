// Redis refuses writes: `maxmemory` reached under the `noeviction` policy,
// and every write command gets `-OOM`. What the server promises, and what
// this checks:
//   - a chat send gets an `error` frame with code `unavailable` (Redis cannot
//     take it now; the client may send it again later) at once, not after a
//     timeout, and nothing is stored;
//   - the socket stays open and the node keeps serving: /readyz stays 200
//     (Redis answers, and every node shares it), a new chat socket starts
//     (its history is a read), and a presence spec, which must write, gets
//     its own `unavailable` error frame;
//   - once Redis has room again, sends are acked, and each subscriber has
//     exactly the stored messages.
// Runs in integration-redis, with its own redis-server.

#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

TEST(redis_oom_test, SendsGetUnavailableWhileRedisIsFullAndNothingElseBreaks) {
  SB_REDIS_ONLY();
  redis_server redis(redis_options{false, {"--maxmemory-policy", "noeviction"}});
  server_process n1(redis_node_args(redis, "n1")); // returns once /readyz is 200
  chat_room room(n1.port());
  auto& [stream, writer, pub_writer, s1, p1] = room;
  writer.say("before");

  redis.command({"CONFIG", "SET", "maxmemory", "1"}); // below what Redis already uses
  for (auto* from : {&writer, &pub_writer, &writer}) {
    auto got = send_and_wait(*from, "refused", "refused");
    EXPECT_EQ(got.kind, "unavailable") << "a send while Redis refuses writes";
    EXPECT_LT(got.took, 1s) << "refused by Redis at once, not by a timeout";
  }
  EXPECT_EQ(wait_for_status(n1.port(), "/readyz", 200, 1s), 200u);
  ws_client fresh(n1.port(), ws_client::target(json::array(
                               {chat_spec(stream, "streams"),
                                {{"name", "presence"}, {"stream", stream}}})));
  auto welcome = fresh.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  ASSERT_EQ(welcome["clients"].size(), 1u) << welcome;
  EXPECT_EQ(welcome["clients"][0]["name"], "chat");
  auto error = fresh.read_json();
  EXPECT_EQ(error.value("type", ""), "error") << error;
  EXPECT_EQ(error.value("client", ""), "presence") << error;
  EXPECT_EQ(error.value("code", ""), "unavailable") << error;

  redis.command({"CONFIG", "SET", "maxmemory", "0"});
  writer.say("after");
  EXPECT_EQ(send_once(pub_writer, "after-pub-sub", "after-pub-sub"), "ack");
  auto stored = stored_ids(redis, stream + ":chat");
  ASSERT_EQ(stored.size(), 3u) << "a refused send was stored";
  EXPECT_EQ(read_ids_until(s1, stored.back(), "s1 (streams)"), stored);
  EXPECT_EQ(read_messages_until(p1, "after-pub-sub", "p1 (pub-sub)"),
            (std::vector<std::string>{"before", "after", "after-pub-sub"}));
  for (auto* peer : {&writer, &pub_writer, &s1, &p1})
    EXPECT_TRUE(peer->ws.is_open());
  EXPECT_FALSE(n1.wait_exit(0ms)) << n1.logs_tail();
}

} // namespace
} // namespace sb::test
