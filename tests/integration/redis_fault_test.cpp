// Redis dies and comes back (PROTOCOL §3 `unavailable`, §1 `streams` is
// durable and resumable): two nodes on a persistent redis-server that is
// SIGKILLed while sends are in flight and restarted on the same port and
// directory. Sockets stay open, sends in the outage get `unavailable`, both
// nodes deliver again after /readyz is 200, and each `streams` subscriber
// has every stored entry exactly once, in order. Runs in integration-redis.

#include "redis/shard.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

// New stream names whose keys `<stream>:chat` map to every command
// connection of a node (redis.pool-size, default 2; commands go to
// fnv1a(key) % pool-size, see redis/redis_broker.cpp), so a check on them
// covers every connection however the hash of a random name falls.
std::vector<std::string> streams_on_every_pool_connection(const std::string& suffix,
                                                          size_t pool_size = 2) {
  std::vector<std::string> out(pool_size);
  size_t found = 0;
  for (int i = 0; found < pool_size && i < 1000; ++i) {
    auto s = test_stream(suffix + std::to_string(i));
    auto& slot = out[fnv1a(s + ":chat") % pool_size];
    if (slot.empty()) {
      slot = s;
      ++found;
    }
  }
  return out;
}

// The socket's spec cannot start while Redis is away: one `unavailable`
// error frame, then 1008 `No valid clients`.
void expect_unavailable_socket(uint16_t port, const json& spec) {
  ws_client ws(port, ws_client::target(json::array({spec})));
  auto error = ws.read_json();
  EXPECT_EQ(error.value("type", ""), "error") << spec << " -> " << error;
  EXPECT_EQ(error.value("code", ""), "unavailable") << spec << " -> " << error;
  EXPECT_EQ(error.value("stream", ""), spec["stream"]) << error;
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008) << spec;
  EXPECT_EQ(closed.reason, "No valid clients") << spec;
}

TEST(redis_fault_test, SigkillAndRestartLosesNoStoredEntryAndEveryNodeRecovers) {
  SB_REDIS_ONLY();
  redis_server redis(redis_options{/*persistent=*/true, {}});
  server_process n1(redis_node_args(redis, "n1"));
  server_process n2(redis_node_args(redis, "n2"));
  std::vector<server_process*> nodes{&n1, &n2};
  for (auto* n : nodes)
    ASSERT_EQ(wait_for_status(n->port(), "/readyz", 200, 5s), 200u);

  auto stream = test_stream();
  chat_peer writer(n1.port(), stream, "pub-sub");
  chat_peer s1(n1.port(), stream, "streams");
  chat_peer p1(n1.port(), stream, "pub-sub");
  chat_peer s2(n2.port(), stream, "streams");
  chat_peer p2(n2.port(), stream, "pub-sub");
  chat_peer writer2(n2.port(), stream, "streams");  // says one message after the restart

  // --- SIGKILL with sends in flight: the first half before it, the rest after.
  const size_t before = 40;
  auto first = send_all(writer, texts("a", 80), 8, [&](size_t i) {
    if (i == before) redis.kill9();
  });
  std::vector<std::string> acked;
  for (size_t i = 0; i < first.size(); ++i) {
    if (first[i].kind == "ack") {
      EXPECT_LT(i, before) << "acked although sent after the SIGKILL";
      acked.push_back(first[i].id);
    } else {
      EXPECT_EQ(first[i].kind, "unavailable") << "send a" << i;
    }
  }
  EXPECT_GE(acked.size(), before - 8) << "sends before the kill beyond the window are acked";

  // --- the outage: not ready, sends and new specs get `unavailable`.
  for (auto* n : nodes)
    EXPECT_EQ(wait_for_status(n->port(), "/readyz", 503, 5s), 503u);
  for (const auto& o : send_all(writer, texts("b", 5), 1, [](size_t) {}))
    EXPECT_EQ(o.kind, "unavailable");
  for (auto* n : nodes) {
    expect_unavailable_socket(n->port(), chat_spec(stream, "streams"));
    expect_unavailable_socket(n->port(), chat_spec(test_stream("outage"), "streams"));
    expect_unavailable_socket(n->port(), chat_spec(test_stream("outage"), "pub-sub"));
  }

  // --- back on the same port and data directory.
  redis.restart();
  for (auto* n : nodes)
    ASSERT_EQ(wait_for_status(n->port(), "/readyz", 200, 15s), 200u)
      << "node did not become ready again:\n" << n->logs_tail();

  auto after = send_all(writer, texts("c", 20), 8, [](size_t) {});
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].kind, "ack") << "send c" << i << " after /readyz was 200";
    if (after[i].kind == "ack") acked.push_back(after[i].id);
  }
  auto from_n2 = writer2.say("from n2");

  // New sockets start again on both nodes, both strategies, on the old
  // stream and on new ones whose keys cover every command connection.
  auto fresh = streams_on_every_pool_connection("after");
  fresh.push_back(stream);
  for (auto* n : nodes)
    for (const auto* strategy : {"pub-sub", "streams"})
      for (const auto& s : fresh) {
        ws_client ws(n->port(), ws_client::target(json::array({chat_spec(s, strategy)})));
        auto welcome = ws.read_json();
        EXPECT_EQ(welcome.value("type", ""), "welcome")
          << "a new socket after /readyz was 200 (node " << n->port() << ", " << strategy
          << " on " << s << "): " << welcome;
      }

  // Durable: every acked entry (before the SIGKILL and after the restart) is stored.
  auto range = redis.command({"XRANGE", stream + ":chat", "-", "+"});
  std::vector<std::string> stored;
  for (const auto& e : range)
    stored.push_back(e[0].get<std::string>());
  for (const auto& id : acked)
    EXPECT_TRUE(std::find(stored.begin(), stored.end(), id) != stored.end())
      << "acked entry " << id << " is not in the stream after the restart";
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.back(), from_n2);

  // Each `streams` subscriber: exactly the stored entries, once, in order.
  for (auto* s : {&s1, &s2}) {
    std::vector<std::string> seen;
    std::vector<std::string> other;
    try {
      s->ws.read_until([&](const json& f) {
        if (!is_event(f, "message", stream)) other.push_back(f.dump().substr(0, 120));
        if (is_event(f, "message", stream)) seen.push_back(f.value("id", "<no id>"));
        return !seen.empty() && seen.back() == stored.back();
      }, 10'000);
    } catch (const std::exception& e) {
      ADD_FAILURE() << (s == &s1 ? "s1 on n1: " : "s2 on n2: ") << e.what() << "; other frames "
                    << json(other).dump(1);
    }
    EXPECT_EQ(seen, stored) << (s == &s1 ? "s1 on n1" : "s2 on n2");
  }
  // Each `pub-sub` subscriber: every message sent after the recovery, in order.
  for (auto* p : {&p1, &p2}) {
    std::vector<std::string> seen;
    try {
      bool last_c = false;
      bool last_n2 = false;
      p->ws.read_until([&](const json& f) {
        if (!is_event(f, "message", stream)) return false;
        seen.push_back(f["data"]["text"].get<std::string>());
        last_c = last_c || seen.back() == "c19";
        last_n2 = last_n2 || seen.back() == "from n2";
        return last_c && last_n2;
      }, 10'000);
    } catch (const std::exception& e) {
      ADD_FAILURE() << (p == &p1 ? "p1 on n1: " : "p2 on n2: ") << e.what() << "; seen "
                    << json(seen);
    }
    // n1's PUBLISH of the last c's may come after n2's: compare per sender.
    std::vector<std::string> cs;
    for (const auto& t : seen)
      if (t[0] == 'c') cs.push_back(t);
    EXPECT_EQ(cs, texts("c", 20)) << (p == &p1 ? "p1 on n1" : "p2 on n2");
  }

  if (HasFailure())
    for (auto* n : nodes)
      std::printf("--- node on port %u:\n%s\n", static_cast<unsigned>(n->port()),
                  n->logs_tail(12000).c_str());
  for (auto* n : nodes) {
    auto m = scrape(n->port());
    EXPECT_GE(m["switchboard_broker_reconnects_total"], 1) << n->port();
    EXPECT_FALSE(n->wait_exit(0ms)) << n->logs_tail();
  }
}

} // namespace
} // namespace sb::test
