// Redis comes back without the data it had: restarted empty (no AOF, no
// RDB), or from a snapshot older than what clients saw. Streams start over
// or lose their newest entries, and the ids clients hold point into what is
// gone. When a node's stream listener reconnects, it marks in each stream
// it reads that every entry up to the last one it delivered may be gone
// (XSETID ... MAXDELETEDID), which also keeps new ids above old ones. What
// the server promises, and what this checks:
//   - a client resuming with `since` gets `recovered: false` and a fresh
//     `history` whenever an entry after its `since` may be missing: never a
//     replay with a hole in it, whatever id it saw (an older one, one the
//     snapshot lacks); resuming at the last id delivered loses nothing;
//   - sockets connected throughout get every message stored after the
//     restart, once and in order (`streams`), or every acked one (`pub-sub`);
//   - ids never go backwards: new entries get ids above every id delivered
//     before, and an entry a backend writes with a lower id of its own is
//     refused by Redis instead of never reaching anyone.
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

/// A chat socket resuming at `since`: its welcome's `recovered` and the
/// texts of the fresh history or the replayed messages that follow.
struct resumed {
  bool recovered = true;
  bool fresh_history = false;
  std::vector<std::string> texts;
};

resumed resume(uint16_t port, const std::string& stream, const std::string& since) {
  ws_client ws(port, ws_client::target(json::array({chat_spec(stream, "streams", since)})));
  resumed out;
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
  out.recovered = welcome["clients"][0].value("recovered", true);
  // The catch-up ends with the socket's own `joined`.
  for (auto& f : ws.read_until([&](const json& f) { return is_event(f, "joined", stream); })) {
    if (is_event(f, "history", stream)) {
      out.fresh_history = true;
      for (auto& m : f["data"]["messages"])
        out.texts.push_back(m["text"]);
    } else if (is_event(f, "message", stream)) {
      out.texts.push_back(f["data"]["text"]);
    }
  }
  return out;
}

void expect_fresh(const resumed& r, const std::vector<std::string>& texts, const char* what) {
  EXPECT_FALSE(r.recovered) << what;
  EXPECT_TRUE(r.fresh_history) << what << ": no fresh history";
  EXPECT_EQ(r.texts, texts) << what;
}

TEST(redis_data_loss_test, AfterAnEmptyRestartResumesAreNotRecoveredAndLiveSocketsGoOn) {
  SB_REDIS_ONLY();
  redis_server redis;
  server_process n1(redis_node_args(redis, "n1")); // returns once /readyz is 200
  auto stream = test_stream();
  chat_peer writer(n1.port(), stream, "streams");
  chat_peer s1(n1.port(), stream, "streams");
  chat_peer p1(n1.port(), stream, "pub-sub");
  auto a = writer.say("a");
  writer.say("b");
  auto c = writer.say("c");
  EXPECT_EQ(resume(n1.port(), stream, a).texts, (std::vector<std::string>{"b", "c"}));

  redis.kill9();
  redis.restart(); // empty: no AOF, no RDB
  ASSERT_EQ(wait_for_status(n1.port(), "/readyz", 200, 10s), 200u) << n1.logs_tail();
  auto at_c = resume(n1.port(), stream, c);
  EXPECT_TRUE(at_c.recovered) << "nothing after c ever existed";
  EXPECT_TRUE(at_c.texts.empty());
  expect_fresh(resume(n1.port(), stream, a), {}, "since an older id, stream now empty");

  auto d = writer.say("d");
  EXPECT_TRUE(id_less(c, d)) << "ids went backwards: " << c << " then " << d;
  // Conservative from here: the first entry is after c (trimming looks the same).
  expect_fresh(resume(n1.port(), stream, c), {"d"}, "since the last id, one new entry");
  expect_fresh(resume(n1.port(), stream, a), {"d"}, "since an older id, one new entry");
  auto seen = read_ids_until(s1, d, "s1 (streams), connected throughout");
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), d);
  EXPECT_EQ(read_messages_until(p1, "d", "p1 (pub-sub)").back(), "d");
}

TEST(redis_data_loss_test, AfterARestartFromAnOlderSnapshotASinceItLacksIsNotRecovered) {
  SB_REDIS_ONLY();
  redis_server redis; // no AOF: a restart loads the dump.rdb of the SAVE below
  server_process n1(redis_node_args(redis, "n1")); // returns once /readyz is 200
  auto stream = test_stream();
  chat_peer writer(n1.port(), stream, "streams");
  auto a = writer.say("a");
  redis.command({"SAVE"});
  auto b = writer.say("b"); // seen by clients, not in the snapshot
  auto c = writer.say("c");

  redis.kill9();
  redis.restart();
  ASSERT_EQ(wait_for_status(n1.port(), "/readyz", 200, 10s), 200u) << n1.logs_tail();
  writer.say("d"); // the stream goes on past the ids clients saw
  EXPECT_EQ(stored_ids(redis, stream + ":chat").size(), 2u) << "a and d";
  expect_fresh(resume(n1.port(), stream, a), {"a", "d"}, "since a, before the lost b and c");
  expect_fresh(resume(n1.port(), stream, b), {"a", "d"}, "since b, which the snapshot lacks");
  auto r = resume(n1.port(), stream, c);
  EXPECT_TRUE(r.recovered) << "since c, the last id delivered: only d came after";
  EXPECT_EQ(r.texts, (std::vector<std::string>{"d"}));
}

TEST(redis_data_loss_test, AfterAnEmptyRestartIdsGoOnFromWhereTheyWere) {
  SB_REDIS_ONLY();
  redis_server redis;
  server_process n1(redis_node_args(redis, "n1")); // returns once /readyz is 200
  auto stream = test_stream();
  auto key = stream + ":notifications";
  ws_client live(n1.port(), ws_client::target(json::array(
                              {{{"name", "notifications"}, {"stream", stream},
                                {"strategy", "streams"}}})));
  auto next = [&] {
    return live.read_until([&](const json& f) {
      return is_event(f, "notification", stream, "notifications");
    }).back();
  };
  live.read_until([&](const json& f) { return is_event(f, "history", stream, "notifications"); });
  auto first_id = redis.command({"XADD", key, "*", "data", R"({"n":1})"}).get<std::string>();
  EXPECT_EQ(next()["data"]["n"], 1);

  redis.kill9();
  redis.restart();
  ASSERT_EQ(wait_for_status(n1.port(), "/readyz", 200, 10s), 200u) << n1.logs_tail();
  // A backend that numbers its own entries and starts over is refused: an
  // entry the listener would never deliver is not stored either.
  EXPECT_THROW(redis.command({"XADD", key, "1-1", "data", R"({"n":2})"}), std::runtime_error);
  auto id = redis.command({"XADD", key, "*", "data", R"({"n":3})"}).get<std::string>();
  EXPECT_TRUE(id_less(first_id, id)) << first_id << " then " << id;
  auto n = next();
  EXPECT_EQ(n["id"], id);
  EXPECT_EQ(n["data"]["n"], 3);
}

} // namespace
} // namespace sb::test
