// Redis Cluster as the broker (redis.mode = cluster, docs/redis.md): two
// nodes seeded with the cluster's addresses. A stream's keys carry its
// name as hash tag (`{<stream>}:chat`, `{<stream>}:presence`, ...), so
// they all live on the master of that slot, streams on every master work
// across the nodes (chat on both strategies, presence, notifications), and
// pub-sub goes through SSUBSCRIBE/SPUBLISH. A slot moved to another master
// during traffic, and a master SIGKILLed during traffic (its replica
// promoted), are followed: refusals meanwhile are `unavailable`, sockets
// stay open, `streams` readers get every entry exactly once, in order,
// pub-sub delivers again, /readyz is 200 again; with redis.wait-replicas = 1
// no acked entry is lost in the failover. Runs in integration-redis.

#include "redis/cluster_slots.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/poll_until.hpp"
#include "tests/support/redis_cluster.hpp"
#include "tests/support/redis_node.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// A namespace of its own: the unity build compiles this file in one
// translation unit with others whose unnamed namespaces hold helpers of the
// same names (member, inbox, another_master, ...).
namespace sb::test::redis_cluster_broker {
namespace {

using namespace std::chrono_literals;

/// How long after a master's SIGKILL (or a slot's move) both nodes may take
/// to send again: the replica's election (cluster-node-timeout 1 s in the
/// fixture, then a vote) plus the node's reconnect and slot-map refresh,
/// generous for a loaded 2-core machine.
constexpr auto recover_bound = 15s;
/// A node's start against a cluster: seeds, CLUSTER SLOTS, one connection
/// per master.
constexpr auto start_bound = 30s;
constexpr const char* api_key = "cluster-broker-key";

// --- the cluster and its nodes ------------------------------------------------------

/// "redis://127.0.0.1:a,redis://127.0.0.1:b,..." of `nodes`: redis.url's
/// seeds, in the form of the sharded mode.
std::string seed_urls(const std::vector<redis_server*>& nodes) {
  std::string out;
  for (auto* node : nodes)
    out += (out.empty() ? "" : ",") + node->url();
  return out;
}

std::vector<redis_server*> every_node(redis_cluster& cluster) {
  std::vector<redis_server*> out;
  for (auto& node : cluster.nodes())
    out.push_back(node.get());
  return out;
}

/// The node flags of cluster mode, as sentinel_group::node_args builds
/// them for sentinel mode: the tuning of the other Redis tests, then
/// `--redis.mode=cluster --redis.url=<seeds>`, then `extra`.
std::vector<std::string> cluster_node_args(const std::vector<redis_server*>& seeds,
                                           const std::string& node,
                                           const std::vector<std::string>& extra = {}) {
  auto args = redis_tuning_args(node);
  args.insert(args.end(), {"--redis.mode=cluster", "--redis.url=" + seed_urls(seeds)});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

/// The Redis keys of a stream's plugin in cluster mode: `{<stream>}:<plugin>`.
std::string tagged(const std::string& stream, const std::string& rest) {
  return "{" + stream + "}:" + rest;
}

uint16_t slot_of(const std::string& stream) {
  return key_slot(tagged(stream, "chat"));
}

/// The ports of the masters, from CLUSTER SLOTS (as master_of asks).
std::set<uint16_t> master_ports(redis_cluster& cluster) {
  std::set<uint16_t> out;
  for (uint16_t slot = 0; slot < cluster_slots; slot += 512)
    out.insert(cluster.master_of(slot));
  out.erase(0);
  return out;
}

uint16_t another_master(redis_cluster& cluster, uint16_t than) {
  for (auto port : master_ports(cluster))
    if (port != than)
      return port;
  return 0;
}

/// Runs `argv` on `node`, once more on a fresh connection when the first
/// try fails (a connection cached from before a failover may be broken);
/// an error reply throws.
json ask(redis_server& node, const std::vector<std::string>& argv) {
  try {
    return node.command(argv);
  } catch (const std::exception&) {
    return node.command(argv);
  }
}

/// Polls CLUSTER SLOTS until `slot` is served by a master other than
/// `old_port`; its port, or 0 after `timeout`.
uint16_t wait_for_new_master(redis_cluster& cluster, uint16_t slot, uint16_t old_port,
                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      auto port = cluster.master_of(slot);
      if (port != 0 && port != old_port
          && ask(cluster.node_on(port), {"ROLE"})[0] == "master")
        return port;
    } catch (const std::exception&) {
      // a node that is failing over or whose connection broke: ask again
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return 0;
    std::this_thread::sleep_for(50ms);
  }
}

/// The text of the error `argv` gets from `node`, or "" when it succeeds.
std::string error_of(redis_server& node, const std::vector<std::string>& argv) {
  try {
    node.command(argv);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

// --- sockets --------------------------------------------------------------------------

/// A socket with one presence client on `stream` (a guest: auth is off).
struct member {
  member(uint16_t port, const std::string& stream_name)
    : stream(stream_name),
      ws(port, ws_client::target(json::array({presence_spec(stream_name)}))) {
    auto welcome = ws.read_json();
    EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
    id = welcome.at("user").at("id").get<std::string>();
    state = ws.read_until([&](const json& f) {
                return is_event(f, "state", stream, "presence");
              }).back();
  }

  /// The user ids in the `state` event.
  std::set<std::string> ids() const {
    std::set<std::string> out;
    for (auto& u : state["data"]["users"])
      out.insert(u["id"].get<std::string>());
    return out;
  }

  /// Reads until `user` joins.
  json join_of(const std::string& user) {
    return ws.read_until([&](const json& f) {
                return is_event(f, "join", stream, "presence")
                       && f["data"]["user"]["id"] == user;
              }).back();
  }

  std::string stream;
  ws_client ws;
  std::string id;
  json state;
};

/// A socket with one notifications client on `stream`.
struct inbox {
  inbox(uint16_t port, const std::string& stream_name, const std::string& strategy)
    : stream(stream_name),
      ws(port, ws_client::target(json::array({{{"name", "notifications"},
                                               {"stream", stream_name},
                                               {"strategy", strategy}}}))) {
    auto welcome = ws.read_json();
    EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
    if (strategy == "streams")
      history = ws.read_until([&](const json& f) {
                    return is_event(f, "history", stream, "notifications");
                  }).back()["data"]["notifications"];
  }

  json next_notification() {
    return ws.read_until([&](const json& f) {
                return is_event(f, "notification", stream, "notifications");
              }).back();
  }

  std::string stream;
  ws_client ws;
  json history = json::array();
};

/// POST /api/publish of a notification on `stream`; its id ("" on failure).
std::string publish_notification(uint16_t port, const std::string& stream, const json& data) {
  auto res = http_post(port, "/api/publish",
                       json{{"stream", stream}, {"client", "notifications"}, {"data", data}}.dump(),
                       {{"Authorization", std::string{"Bearer "} + api_key},
                        {"Content-Type", "application/json"}});
  EXPECT_EQ(res.status, 200u) << res.body;
  auto body = json::parse(res.body, nullptr, false);
  return body.is_object() ? body.value("id", "") : std::string{};
}

/// A peer whose reads wait up to `timeout`: a reader that waits out an
/// outage (each read of a ws_client is bounded by its socket timeout).
chat_peer patient_peer(uint16_t port, const std::string& stream, const std::string& strategy,
                       std::chrono::milliseconds timeout = recover_bound + 10s);

struct acked_send {
  std::string text;
  std::string id;
};

/// Sends `<prefix><i>` for i = 0, 1, ... until `count` are acked or
/// `within` passed, as a client retries: each refusal must be `unavailable`
/// and is followed by a 20 ms pause. Returns the acked sends with their ids.
std::vector<acked_send> acks_until(chat_peer& peer, const std::string& prefix, size_t count,
                                   std::chrono::milliseconds within) {
  std::vector<acked_send> acked;
  auto deadline = std::chrono::steady_clock::now() + within;
  for (int i = 0; acked.size() < count && std::chrono::steady_clock::now() < deadline; ++i) {
    auto text = prefix + std::to_string(i);
    auto outcome = send_and_wait(peer, text, text);
    if (outcome.kind == "ack") {
      acked.push_back({text, outcome.id});
      continue;
    }
    EXPECT_EQ(outcome.kind, "unavailable") << text;
    std::this_thread::sleep_for(20ms); // a paced retry
  }
  return acked;
}

/// The ids of the acked outcomes of send_all; every other outcome must be
/// `unavailable`.
std::vector<std::string> acked_ids(const std::vector<send_outcome>& outcomes,
                                   const std::string& what) {
  std::vector<std::string> out;
  for (size_t i = 0; i < outcomes.size(); ++i)
    if (outcomes[i].kind == "ack")
      out.push_back(outcomes[i].id);
    else
      EXPECT_EQ(outcomes[i].kind, "unavailable") << what << " send " << i;
  return out;
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

/// `ids` are strictly increasing: in stream order, none twice.
void expect_in_order_once(const std::vector<std::string>& ids, const std::string& who) {
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end(), id_less)) << who << ": in order";
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size())
    << who << ": no duplicate";
}

/// Pub-sub from `writer` reaches `reader` again after an outage, and then
/// loses nothing: a thread sends `<prefix>probe<i>` every 50 ms (each
/// refusal `unavailable`) until `reader` got one of them (within `within`:
/// the reader's node must have subscribed again on the slot's master);
/// then `<prefix>live0..4`, each acked, reach `reader` all, in order.
void expect_pubsub_resumes(chat_peer& writer, chat_peer& reader, const std::string& prefix,
                           std::chrono::milliseconds within) {
  std::atomic<bool> heard{false};
  std::vector<std::string> bad_replies;
  std::string thread_error;
  std::thread probe([&] {
    auto deadline = std::chrono::steady_clock::now() + within;
    try {
      for (int i = 0; !heard && std::chrono::steady_clock::now() < deadline; ++i) {
        auto text = prefix + "probe" + std::to_string(i);
        auto outcome = send_and_wait(writer, text, text);
        if (outcome.kind != "ack" && outcome.kind != "unavailable")
          bad_replies.push_back(text + ": " + outcome.kind);
        std::this_thread::sleep_for(50ms);
      }
    } catch (const std::exception& e) {
      thread_error = e.what();
    }
  });
  try {
    reader.ws.read_until([&](const json& f) {
      return is_event(f, "message", reader.stream)
             && f["data"].value("text", "").rfind(prefix + "probe", 0) == 0;
    }, 100'000);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "pub-sub never delivered a probe of " << prefix << ": " << e.what();
  }
  heard = true;
  probe.join();
  EXPECT_TRUE(bad_replies.empty()) << json(bad_replies);
  ASSERT_TRUE(thread_error.empty()) << "the probing writer failed: " << thread_error;

  std::vector<std::string> live;
  for (int i = 0; i < 5; ++i) {
    live.push_back(prefix + "live" + std::to_string(i));
    EXPECT_EQ(send_once(writer, live.back(), live.back()), "ack") << live.back();
  }
  auto seen = read_messages_until(reader, live.back(), "pub-sub reader of " + prefix);
  std::vector<std::string> got;
  for (auto& text : seen)
    if (text.rfind(prefix + "live", 0) == 0)
      got.push_back(text);
  EXPECT_EQ(got, live) << "pub-sub after it resumed: every message, in order";
}

/// A `streams` reader that connects with since = 0-0: every stored entry
/// replayed as `message` events (unless `recovered` is false, when a fresh
/// history comes instead).
struct full_replay {
  bool recovered = false;
  bool fresh_history = false;
  std::vector<std::string> ids;
};

full_replay replay_from_start(uint16_t port, const std::string& stream) {
  ws_client ws(port, ws_client::target(json::array({chat_spec(stream, "streams", "0-0")})));
  full_replay out;
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.value("type", ""), "welcome") << welcome;
  out.recovered = welcome["clients"][0].value("recovered", false);
  // The catch-up ends with the socket's own `joined`.
  for (auto& f : ws.read_until([&](const json& f) { return is_event(f, "joined", stream); },
                               100'000)) {
    if (is_event(f, "history", stream)) {
      out.fresh_history = true;
      for (auto& m : f["data"]["messages"])
        out.ids.push_back(m.value("id", "<no id>"));
    } else if (is_event(f, "message", stream)) {
      out.ids.push_back(f.value("id", "<no id>"));
    }
  }
  return out;
}

chat_peer patient_peer(uint16_t port, const std::string& stream, const std::string& strategy,
                       std::chrono::milliseconds timeout) {
  ws_options opts;
  opts.timeout = timeout;
  return chat_peer(port, stream, strategy, {}, opts);
}

/// The last of `sends` in stream order.
std::string last_id(const std::vector<acked_send>& sends) {
  std::string last;
  for (auto& s : sends)
    if (last.empty() || id_less(last, s.id))
      last = s.id;
  return last;
}

// --- the tests ------------------------------------------------------------------------

TEST(redis_cluster_broker_test, TwoNodesChatPresenceNotifications) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  // n1 knows every node, n2 a single seed: it learns the rest from it.
  server_process n1(cluster_node_args(every_node(cluster), "n1",
                                      {"--api.key=" + std::string{api_key}}),
                    server_process::mode::listening, start_bound);
  server_process n2(cluster_node_args({cluster.nodes()[1].get()}, "n2",
                                      {"--api.key=" + std::string{api_key}}),
                    server_process::mode::listening, start_bound);

  // One stream on each master.
  auto masters = master_ports(cluster);
  ASSERT_EQ(masters.size(), 3u) << cluster.logs();
  std::map<uint16_t, std::string> stream_on; // master port -> stream
  for (int i = 0; stream_on.size() < masters.size(); ++i) {
    ASSERT_LT(i, 1000) << "no stream name hashed to one of the masters";
    auto stream = test_stream(std::to_string(i));
    auto owner = cluster.master_of(slot_of(stream));
    if (masters.count(owner))
      stream_on.emplace(owner, stream);
  }

  for (const auto& [owner, stream] : stream_on) {
    auto slot = slot_of(stream);
    SCOPED_TRACE(stream + " (slot " + std::to_string(slot) + ", master on "
                 + std::to_string(owner) + ")");
    auto& home = cluster.node_on(owner);
    const auto chat_key = tagged(stream, "chat");

    // --- chat, both strategies, both ways, in order.
    std::vector<std::string> stored_acks;
    for (std::string strategy : {"pub-sub", "streams"}) {
      SCOPED_TRACE(strategy);
      {
        chat_peer a(n1.port(), stream, strategy);
        chat_peer b(n2.port(), stream, strategy);
        std::vector<std::string> from_a, from_b;
        for (int i = 0; i < 5; ++i) {
          from_a.push_back(strategy + "-a" + std::to_string(i));
          auto id = a.say(from_a.back());
          if (strategy == "streams")
            stored_acks.push_back(id);
        }
        EXPECT_EQ(read_messages_until(b, from_a.back(), "b on n2"), from_a);
        for (int i = 0; i < 5; ++i) {
          from_b.push_back(strategy + "-b" + std::to_string(i));
          auto id = b.say(from_b.back());
          if (strategy == "streams")
            stored_acks.push_back(id);
        }
        EXPECT_EQ(read_messages_until(a, from_b.back(), "a on n1"), from_b);
        if (strategy == "pub-sub") {
          // Both nodes hear the channel through SSUBSCRIBE on its master,
          // none through SUBSCRIBE.
          EXPECT_EQ(ask(home, {"PUBSUB", "SHARDNUMSUB", chat_key}), json::array({chat_key, 2}));
          for (auto port : masters)
            EXPECT_EQ(ask(cluster.node_on(port), {"PUBSUB", "NUMSUB", chat_key}),
                      json::array({chat_key, 0}))
              << "master on " << port;
        }
      }
      // The peers' `left` events were published to the channel: a topic
      // of the next peers on this stream could still hear them. Both
      // nodes unsubscribe once their last member is gone.
      EXPECT_TRUE(poll_until([&] {
        return ask(home, {"PUBSUB", "SHARDNUMSUB", chat_key}) == json::array({chat_key, 0});
      }, 10s)) << "the nodes still hear " << chat_key;
    }

    // --- presence: a user on n1 is in n2's list, n2's user joins on n1.
    member m1(n1.port(), stream);
    EXPECT_EQ(m1.ids(), (std::set<std::string>{m1.id}));
    member m2(n2.port(), stream);
    EXPECT_EQ(m2.ids(), (std::set<std::string>{m1.id, m2.id}));
    EXPECT_EQ(m1.join_of(m2.id)["data"]["user"]["id"], m2.id);

    // --- notifications: published through n1's API, delivered on n2.
    inbox stored_tab(n2.port(), stream, "streams");
    inbox live_tab(n2.port(), stream, "pub-sub");
    EXPECT_TRUE(stored_tab.history.empty()) << stored_tab.history;
    auto id = publish_notification(n1.port(), stream, {{"title", "on " + stream}});
    auto n = stored_tab.next_notification();
    EXPECT_EQ(n["id"], id);
    EXPECT_EQ(n["data"]["title"], "on " + stream);
    EXPECT_EQ(live_tab.next_notification()["data"]["title"], "on " + stream);

    // --- the keys: tagged, on the slot's master, nowhere untagged.
    EXPECT_EQ(ask(home, {"CLUSTER", "KEYSLOT", chat_key}), slot);
    for (auto* plugin_key : {"chat", "presence", "presence:expiry", "presence:users",
                             "notifications"})
      EXPECT_EQ(ask(home, {"EXISTS", tagged(stream, plugin_key)}), 1) << plugin_key;
    auto stored = stored_ids(home, chat_key);
    for (auto& acked : stored_acks)
      EXPECT_TRUE(contains(stored, acked)) << "acked " << acked << " not in " << chat_key;
    for (auto port : masters)
      if (port != owner) {
        auto error = error_of(cluster.node_on(port), {"EXISTS", chat_key});
        EXPECT_NE(error.find("MOVED"), std::string::npos)
          << "master on " << port << " answered " << error;
      }
    auto untagged = stream + ":chat";
    EXPECT_EQ(ask(cluster.node_on(cluster.master_of(key_slot(untagged))), {"EXISTS", untagged}),
              0)
      << "the untagged key";
    // Nothing went to the shared redis-server of the run.
    EXPECT_EQ(shared_redis().command({"EXISTS", chat_key}), 0);
    EXPECT_EQ(shared_redis().command({"EXISTS", untagged}), 0);

    // The notification's read mark: `{<stream>}:notifications:read`.
    stored_tab.ws.send_json({{"client", "notifications"}, {"stream", stream}, {"event", "read"},
                             {"ref", "r1"}, {"data", {{"id", id}}}});
    auto ack = stored_tab.ws.read_until([](const json& f) {
                                return is_ack(f, "r1") || is_error(f, "r1");
                              }).back();
    EXPECT_TRUE(is_ack(ack, "r1")) << ack;
    EXPECT_EQ(ask(home, {"EXISTS", tagged(stream, "notifications:read")}), 1);
  }

  for (auto port : masters)
    EXPECT_GT(ask(cluster.node_on(port), {"DBSIZE"}).get<long long>(), 0)
      << "no key on the master on " << port;
  for (auto* n : {&n1, &n2})
    EXPECT_FALSE(n->wait_exit(0ms)) << n->logs_tail();
}

TEST(redis_cluster_broker_test, ReshardDuringTraffic) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3};
  server_process n1(cluster_node_args(every_node(cluster), "n1"),
                    server_process::mode::listening, start_bound);
  server_process n2(cluster_node_args(every_node(cluster), "n2"),
                    server_process::mode::listening, start_bound);

  auto stream = test_stream();
  auto slot = slot_of(stream);
  auto from = cluster.master_of(slot);
  auto to = another_master(cluster, from);
  ASSERT_NE(to, 0) << cluster.logs();
  chat_peer writer(n1.port(), stream, "streams");
  auto reader = patient_peer(n2.port(), stream, "streams");
  chat_peer pub_writer(n1.port(), stream, "pub-sub");
  auto pub_reader = patient_peer(n2.port(), stream, "pub-sub");
  pub_writer.say("before");
  read_messages_until(pub_reader, "before", "pub_reader");

  // --- Move the slot (IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE) with
  // sends in flight.
  const size_t move_at = 50;
  auto outcomes = send_all(writer, texts("a", 100), 8, [&](size_t i) {
    if (i == move_at)
      cluster.move_slot(slot, to);
  });
  auto acked = acked_ids(outcomes, "a");
  EXPECT_GE(acked.size(), move_at - 8) << "sends before the move are acked";
  ASSERT_EQ(cluster.master_of(slot), to);
  std::printf("reshard: %zu of %zu sends acked during the move\n", acked.size(),
              outcomes.size());
  // n1 was told where the slot went (MOVED or ASK), and followed it.
  auto m = scrape(n1.port());
  EXPECT_GE(m["switchboard_redis_redirects_total"], 1) << "no redirect seen";
  EXPECT_GE(m["switchboard_redis_slot_map_refreshes_total"], 2);
  EXPECT_GE(m["switchboard_redis_cluster_connections{node=\"127.0.0.1:" + std::to_string(to)
              + "\"}"], 1);

  // --- Sends succeed again (on both nodes) within the bound.
  auto after = acks_until(writer, "b", 3, recover_bound);
  ASSERT_EQ(after.size(), 3u) << n1.logs_tail();
  chat_peer writer2(n2.port(), stream, "streams");
  auto after2 = acks_until(writer2, "c", 1, recover_bound);
  ASSERT_EQ(after2.size(), 1u) << n2.logs_tail();
  after.insert(after.end(), after2.begin(), after2.end());
  for (auto& s : after)
    acked.push_back(s.id);

  // --- Every entry is on the new master, and the reader got each stored
  // entry exactly once, in stream order: every acked one among them.
  auto stored = stored_ids(cluster.node_on(to), tagged(stream, "chat"));
  for (auto& id : acked)
    EXPECT_TRUE(contains(stored, id)) << "acked " << id << " not on the new master";
  auto ids = read_ids_until(reader, last_id(after), "reader on n2");
  expect_in_order_once(ids, "reader on n2");
  EXPECT_EQ(ids, stored) << "the reader got the stream as stored, once each";

  // --- Pub-sub delivers on the slot's new master.
  expect_pubsub_resumes(pub_writer, pub_reader, "p", recover_bound);
  for (auto* n : {&n1, &n2})
    EXPECT_EQ(wait_for_status(n->port(), "/readyz", 200, recover_bound), 200u) << n->logs_tail();
}

TEST(redis_cluster_broker_test, FailoverResumesStreams) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3, 1};
  server_process n1(cluster_node_args(every_node(cluster), "n1"),
                    server_process::mode::listening, start_bound);
  server_process n2(cluster_node_args(every_node(cluster), "n2"),
                    server_process::mode::listening, start_bound);
  std::vector<server_process*> nodes{&n1, &n2};

  auto stream = test_stream();
  auto slot = slot_of(stream);
  auto old_master = cluster.master_of(slot);
  chat_peer writer(n1.port(), stream, "streams");
  chat_peer writer2(n2.port(), stream, "streams");
  chat_peer pub_writer(n2.port(), stream, "pub-sub");
  auto s1 = patient_peer(n1.port(), stream, "streams");
  auto s2 = patient_peer(n2.port(), stream, "streams");
  auto p1 = patient_peer(n1.port(), stream, "pub-sub");

  // --- SIGKILL the slot's master with sends in flight.
  const size_t kill_at = 30;
  std::chrono::steady_clock::time_point killed;
  auto outcomes = send_all(writer, texts("a", 60), 8, [&](size_t i) {
    if (i != kill_at) return;
    cluster.node_on(old_master).kill9();
    killed = std::chrono::steady_clock::now();
  });
  auto acked = acked_ids(outcomes, "a");
  EXPECT_GE(acked.size(), kill_at - 8) << "sends before the kill are acked";

  auto new_master = wait_for_new_master(cluster, slot, old_master, recover_bound);
  ASSERT_NE(new_master, 0) << "no replica took over\n" << cluster.logs();
  auto promoted = std::chrono::steady_clock::now();

  // --- Both nodes send again within the bound of the kill; the sockets
  // stayed open (the peers are the same objects) and every refusal
  // meanwhile was `unavailable` (acks_until checks).
  auto after = acks_until(writer, "b", 2, recover_bound);
  ASSERT_EQ(after.size(), 2u) << n1.logs_tail();
  auto after2 = acks_until(writer2, "c", 2, recover_bound);
  ASSERT_EQ(after2.size(), 2u) << n2.logs_tail();
  auto took = std::chrono::steady_clock::now() - killed;
  EXPECT_LT(took, recover_bound) << "both nodes send again within the bound of the kill";
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::printf("cluster failover: replica promoted %lld ms after the kill, both nodes acked "
              "%lld ms after the kill\n",
              static_cast<long long>(duration_cast<milliseconds>(promoted - killed).count()),
              static_cast<long long>(duration_cast<milliseconds>(took).count()));
  for (auto* n : nodes) {
    EXPECT_EQ(wait_for_status(n->port(), "/readyz", 200, recover_bound), 200u) << n->logs_tail();
    // Each node counted the failover once its command actors saw the
    // master's slots move to its replica.
    auto m = scrape_until(n->port(), [](const samples& x) {
      auto i = x.find("switchboard_redis_failovers_total");
      return i != x.end() && i->second >= 1;
    }, recover_bound);
    EXPECT_EQ(m["switchboard_redis_failovers_total"], 1) << n->logs_tail();
  }

  // --- Every entry acked after the promotion, and every entry the new
  // master holds, reaches each reader exactly once, in order. (Without
  // WAIT an entry acked just before the kill may be lost with the old
  // master; one such entry a reader saw before the kill stays seen.)
  after.insert(after.end(), after2.begin(), after2.end());
  auto stored = stored_ids(cluster.node_on(new_master), tagged(stream, "chat"));
  for (auto& s : after)
    EXPECT_TRUE(contains(stored, s.id)) << "acked " << s.text << " (" << s.id << ") lost";
  for (auto* s : {&s1, &s2}) {
    auto who = s == &s1 ? "s1 on n1" : "s2 on n2";
    auto ids = read_ids_until(*s, last_id(after), who);
    expect_in_order_once(ids, who);
    for (auto& a : after)
      EXPECT_TRUE(contains(ids, a.id)) << who << " never got " << a.text;
    for (auto& id : stored)
      EXPECT_TRUE(contains(ids, id)) << who << " never got stored " << id;
  }

  // --- Pub-sub delivers again across the nodes.
  expect_pubsub_resumes(pub_writer, p1, "p", recover_bound);
}

TEST(redis_cluster_broker_test, FailoverWithWaitReplicasLosesNoAckedEntry) {
  SB_REDIS_ONLY();
  // Two replicas per master: WAIT 1 needs one left once the other is
  // promoted.
  redis_cluster cluster{3, 2};
  server_process n1(cluster_node_args(every_node(cluster), "n1", {"--redis.wait-replicas=1"}),
                    server_process::mode::listening, start_bound);
  server_process n2(cluster_node_args(every_node(cluster), "n2", {"--redis.wait-replicas=1"}),
                    server_process::mode::listening, start_bound);

  auto stream = test_stream();
  auto slot = slot_of(stream);
  auto old_master = cluster.master_of(slot);
  chat_peer writer(n1.port(), stream, "streams");
  chat_peer writer2(n2.port(), stream, "streams");
  auto s1 = patient_peer(n1.port(), stream, "streams");
  auto s2 = patient_peer(n2.port(), stream, "streams");

  const size_t kill_at = 30;
  auto outcomes = send_all(writer, texts("a", 60), 8, [&](size_t i) {
    if (i == kill_at)
      cluster.node_on(old_master).kill9();
  });
  auto acked = acked_ids(outcomes, "a");
  EXPECT_GE(acked.size(), kill_at - 8) << "sends before the kill are acked";

  auto new_master = wait_for_new_master(cluster, slot, old_master, recover_bound);
  ASSERT_NE(new_master, 0) << "no replica took over\n" << cluster.logs();
  auto after = acks_until(writer, "b", 1, recover_bound);
  ASSERT_EQ(after.size(), 1u) << n1.logs_tail();
  auto after2 = acks_until(writer2, "c", 1, recover_bound);
  ASSERT_EQ(after2.size(), 1u) << n2.logs_tail();
  after.insert(after.end(), after2.begin(), after2.end());
  for (auto& s : after)
    acked.push_back(s.id);
  for (auto* n : {&n1, &n2})
    EXPECT_EQ(wait_for_status(n->port(), "/readyz", 200, recover_bound), 200u) << n->logs_tail();

  // --- No acked entry was lost: each was on a replica before its ack.
  auto stored = stored_ids(cluster.node_on(new_master), tagged(stream, "chat"));
  ASSERT_FALSE(stored.empty());
  for (auto& id : acked)
    EXPECT_TRUE(contains(stored, id)) << "acked entry " << id << " lost in the failover";

  // --- Live readers: every stored entry exactly once, in order. A send in
  // flight at the kill may have reached a reader through the old master
  // and died with it: never acked (its sender got `unavailable`).
  for (auto* s : {&s1, &s2}) {
    auto who = s == &s1 ? "s1 on n1" : "s2 on n2";
    auto ids = read_ids_until(*s, stored.back(), who);
    expect_in_order_once(ids, who);
    for (auto& id : stored)
      EXPECT_TRUE(contains(ids, id)) << who << " never got " << id;
    for (auto& id : ids)
      EXPECT_FALSE(!contains(stored, id) && contains(acked, id))
        << who << ": acked " << id << " delivered, then lost";
  }

  // --- A reader that connects now gets the stream from the new master
  // (as history: a resume from 0-0 cannot vouch that nothing was trimmed
  // before the first entry): exactly what is stored, every acked entry.
  auto replay = replay_from_start(n2.port(), stream);
  EXPECT_EQ(replay.ids, stored);
  for (auto& id : acked)
    EXPECT_TRUE(contains(replay.ids, id)) << "acked " << id << " not replayed";
}

// A manual failover (CLUSTER FAILOVER on a replica) during traffic, with
// redis.wait-replicas = 1: the old master turns replica and answers MOVED,
// so the posts of a batch are sent on to the new master with a WAIT of
// their own there, which answers them (the old master's WAIT fails once
// it is a replica, and must not: a client told `unavailable` sends again
// what is already stored). Every acked send is stored, and the reader
// gets the stream as stored, once each, in order.
TEST(redis_cluster_broker_test, ManualFailoverWithWaitReplicasAcksEverySend) {
  SB_REDIS_ONLY();
  redis_cluster cluster{3, 2};
  server_process n1(cluster_node_args(every_node(cluster), "n1", {"--redis.wait-replicas=1"}),
                    server_process::mode::listening, start_bound);

  auto stream = test_stream();
  auto slot = slot_of(stream);
  auto old_master = cluster.master_of(slot);
  redis_server* replica = nullptr;
  for (auto& node : cluster.nodes()) {
    auto role = ask(*node, {"ROLE"});
    if (role[0] == "slave" && role[2].get<int>() == old_master)
      replica = node.get();
  }
  ASSERT_NE(replica, nullptr) << cluster.logs();
  // The master ignores a manual failover from a node it does not know yet
  // as its replica (gossip lags the replication link by a moment).
  auto replica_port = ":" + std::to_string(replica->port()) + "@";
  ASSERT_TRUE(poll_until([&] {
    auto known = ask(cluster.node_on(old_master), {"CLUSTER", "REPLICAS", cluster.id_of(old_master)});
    return std::any_of(known.begin(), known.end(), [&](const json& line) {
      return line.get<std::string>().find(replica_port) != std::string::npos;
    });
  }, recover_bound)) << cluster.logs();
  chat_peer writer(n1.port(), stream, "streams");
  auto reader = patient_peer(n1.port(), stream, "streams");

  const size_t failover_at = 40;
  auto outcomes = send_all(writer, texts("a", 100), 8, [&](size_t i) {
    if (i == failover_at)
      ask(*replica, {"CLUSTER", "FAILOVER"});
  });
  auto new_master = wait_for_new_master(cluster, slot, old_master, recover_bound);
  ASSERT_EQ(new_master, replica->port()) << cluster.logs();
  // While the old master holds writes for the handover, a send in flight
  // can outlive the 1 s command timeout and be refused (8 of 100 in one
  // run of ten here; none in the other nine). Answering the posts sent on to
  // the new master from the old master's WAIT, which fails once it is a
  // replica, refused 25 and 40 of 100.
  auto acked = acked_ids(outcomes, "a");
  EXPECT_GE(acked.size(), 85u) << "sends refused in a failover that lost nothing";
  auto stored = stored_ids(cluster.node_on(new_master), tagged(stream, "chat"));
  EXPECT_LE(stored.size(), outcomes.size());
  for (auto& id : acked)
    EXPECT_TRUE(contains(stored, id)) << "acked " << id << " not stored";
  auto ids = read_ids_until(reader, stored.back(), "reader");
  expect_in_order_once(ids, "reader");
  EXPECT_EQ(ids, stored);
}

} // namespace
} // namespace sb::test::redis_cluster_broker
