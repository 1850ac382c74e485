// The operational endpoints (PROTOCOL §5): /metrics in the Prometheus text
// format with counters that follow the traffic, and /readyz following the
// broker: always 200 on the memory broker, 503 while Redis is away.

#include "redis/shard.hpp"
#include "core/ws_codec.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/metrics.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

/// Reads chat messages until `text` arrives.
void read_messages_until(chat_peer& p, const std::string& text) {
  p.ws.read_until([&](const json& f) {
    return is_event(f, "message", p.stream) && f["data"]["text"] == text;
  }, 100'000);
}

const std::map<std::string, std::string> expected_types{
  {"switchboard_sockets_open", "gauge"},
  {"switchboard_sockets_opened_total", "counter"},
  {"switchboard_topics", "gauge"},
  {"switchboard_broker_channels", "gauge"},
  {"switchboard_broker_stream_keys", "gauge"},
  {"switchboard_broker_reconnects_total", "counter"},
  {"switchboard_redis_failovers_total", "counter"},
  {"switchboard_redis_wait_short_total", "counter"},
  {"switchboard_received_frames_total", "counter"},
  {"switchboard_sent_frames_total", "counter"},
  {"switchboard_received_bytes_total", "counter"},
  {"switchboard_sent_bytes_total", "counter"},
  {"switchboard_slow_consumer_closes_total", "counter"},
  {"switchboard_send_queue_bytes", "gauge"},
};

TEST(metrics_test, ParsesAsPrometheusTextWithEveryMetricTyped) {
  server_process server;
  auto res = http_get(server.port(), "/metrics");
  ASSERT_EQ(res.status, 200u) << res.body;
  std::string type;
  for (const auto& [name, value] : res.headers)
    if (name == "Content-Type") type = value;
  EXPECT_EQ(type.rfind("text/plain", 0), 0u) << type;
  samples values;
  ASSERT_NO_THROW(values = parse_prometheus(res.body)) << res.body;
  auto types = prometheus_types(res.body);
  for (const auto& [name, t] : expected_types) {
    EXPECT_EQ(types[name], t) << name;
    ASSERT_TRUE(values.count(name)) << name << " missing:\n" << res.body;
    // A node always holds one channel of its own: switchboard/disconnect.
    EXPECT_EQ(values[name], name == "switchboard_broker_channels" ? 1 : 0)
      << name << " on a fresh server";
  }
  for (const auto& [series, v] : values) {
    auto name = series.substr(0, series.find('{'));
    EXPECT_TRUE(name.rfind("switchboard_", 0) == 0 || name.rfind("process_", 0) == 0) << series;
    // A histogram's samples carry suffixes; its TYPE names the base.
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string s{suffix};
      auto base = name.size() > s.size() ? name.substr(0, name.size() - s.size()) : "";
      if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0
          && types[base] == "histogram")
        name = base;
    }
    EXPECT_TRUE(types.count(name)) << series << " has no # TYPE";
  }
}

TEST(metrics_test, ParserRejectsMalformedExpositions) {
  EXPECT_NO_THROW(parse_prometheus("# HELP a_b x\n# TYPE a_b counter\na_b 1\n"
                                   "c{l=\"v\",m=\"w\\\"\"} 2.5e3 1700000000000\n"));
  for (const auto* bad : {"a_b\n", "a_b one\n", "1ab 2\n", "a{l=\"v\" 1\n",
                          "# TYPE a_b countr\na_b 1\n", "a_b 1\n# TYPE a_b gauge\n",
                          "a_b 1\na_b 2\n", "a_b 1", "a_b 1 2 3\n"})
    EXPECT_THROW(parse_prometheus(bad), std::runtime_error) << bad;
}

TEST(metrics_test, CountersFollowSocketsAndFrames) {
  server_process server;
  auto stream = test_stream();
  auto m0 = scrape(server.port());
  chat_peer a(server.port(), stream, "pub-sub");
  chat_peer b(server.port(), stream, "streams");
  auto c = std::make_unique<chat_peer>(server.port(), stream, "pub-sub");
  a.ws.read_n(2);  // b's and c's joined
  b.ws.read_json();
  auto m1 = scrape_until(server.port(), [](const samples& m) {
    return m.at("switchboard_sockets_open") == 3;
  }, 5s);
  EXPECT_EQ(m1["switchboard_sockets_open"], 3);
  EXPECT_EQ(m1["switchboard_sockets_opened_total"] - m0["switchboard_sockets_opened_total"], 3);
  EXPECT_EQ(m1["switchboard_topics"], 1) << "one stream, one topic";
  EXPECT_EQ(m1["switchboard_broker_channels"], 2); // the stream's and the node's own
  EXPECT_EQ(m1["switchboard_broker_stream_keys"], 1) << "one streams member";
  EXPECT_GE(m1["switchboard_sent_frames_total"], 3 * 3 + 3) << "openings and joined events";

  // One command in; an ack and three messages out, byte for byte.
  auto before = scrape(server.port());
  auto command = send_command(stream, "counted", "r1").dump();
  a.ws.send_text(command);
  size_t out_bytes = 0;
  int a_frames = 0;
  while (a_frames < 2) {
    auto text = a.ws.read_text();
    out_bytes += text.size() + ws::header_size(text.size());
    ++a_frames;
  }
  for (auto* p : {&b, c.get()}) {
    auto text = p->ws.read_text();
    out_bytes += text.size() + ws::header_size(text.size());
    EXPECT_TRUE(is_event(json::parse(text), "message", stream)) << text;
  }
  auto after = scrape_until(server.port(), [&](const samples& m) {
    return m.at("switchboard_sent_frames_total") - before.at("switchboard_sent_frames_total") >= 4;
  }, 5s);
  EXPECT_EQ(after["switchboard_received_frames_total"] - before["switchboard_received_frames_total"], 1);
  // Wire bytes: a client frame adds its header and a 4-byte mask.
  EXPECT_EQ(after["switchboard_received_bytes_total"] - before["switchboard_received_bytes_total"],
            static_cast<double>(command.size() + ws::header_size(command.size()) + 4));
  EXPECT_EQ(after["switchboard_sent_frames_total"] - before["switchboard_sent_frames_total"], 4);
  EXPECT_EQ(after["switchboard_sent_bytes_total"] - before["switchboard_sent_bytes_total"],
            static_cast<double>(out_bytes));

  // Closed (by handshake or by dropping TCP): everything goes back to zero.
  a.ws.close();
  b.ws.close();
  c.reset();  // drops TCP without a close handshake
  auto m2 = scrape_until(server.port(), [](const samples& m) {
    return m.at("switchboard_sockets_open") == 0 && m.at("switchboard_topics") == 0
           && m.at("switchboard_broker_channels") == 1
           && m.at("switchboard_broker_stream_keys") == 0;
  }, 5s);
  EXPECT_EQ(m2["switchboard_sockets_open"], 0);
  EXPECT_EQ(m2["switchboard_topics"], 0);
  EXPECT_EQ(m2["switchboard_broker_channels"], 1);
  EXPECT_EQ(m2["switchboard_broker_stream_keys"], 0);
  EXPECT_EQ(m2["switchboard_sockets_opened_total"], m1["switchboard_sockets_opened_total"]);
}

// switchboard_send_queue_bytes (summed when /metrics is read) holds what
// sockets have not taken yet, and is back to 0 once they read it.
TEST(metrics_test, SendQueueBytesHoldWhatAReaderHasNotTakenYet) {
  server_process server({"--limits.commands-per-second=0", "--limits.queue-size=67108864"});
  auto stream = test_stream();
  ws_options tiny;
  tiny.receive_buffer = 4096;
  chat_peer slow(server.port(), stream, "pub-sub", {}, tiny);
  chat_peer writer(server.port(), stream, "pub-sub");
  const std::string text(4000, 'q');
  // 10 MB: more than the kernel's socket buffers (4 MiB at most) take.
  for (int i = 0; i < 2500; ++i)
    writer.ws.send_json(send_command(stream, text + std::to_string(i)));
  auto full = scrape_until(server.port(), [](const samples& m) {
    return m.at("switchboard_send_queue_bytes") >= 2'000'000;
  }, 20s);
  EXPECT_GE(full["switchboard_send_queue_bytes"], 2'000'000) << "10 MB unread";
  for (auto* p : {&slow, &writer})
    read_messages_until(*p, text + "2499");
  auto drained = scrape_until(server.port(), [](const samples& m) {
    return m.at("switchboard_send_queue_bytes") == 0;
  }, 10s);
  EXPECT_EQ(drained["switchboard_send_queue_bytes"], 0);
}

// The standard process metrics and the build, read from /proc.
TEST(metrics_test, ProcessMetricsAndBuildInfo) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server;
  auto text = http_get(server.port(), "/metrics").body;
  auto m = parse_prometheus(text);
  auto types = prometheus_types(text);
  EXPECT_EQ(types["process_cpu_seconds_total"], "counter");
  EXPECT_GT(m["process_resident_memory_bytes"], 1 << 20);
  EXPECT_GT(m["process_open_fds"], 3);
  EXPECT_LT(m["process_open_fds"], 200);
  EXPECT_GE(m["process_max_fds"], m["process_open_fds"]);
  EXPECT_GE(m["process_cpu_seconds_total"], 0);
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  EXPECT_NEAR(m["process_start_time_seconds"], now.count(), 60);
  bool build_info = false;
  for (auto& [series, value] : m)
    if (series.rfind("switchboard_build_info{version=\"", 0) == 0 && value == 1)
      build_info = true;
  EXPECT_TRUE(build_info) << text;
  // Renamed in 0.1.0 (CHANGELOG.md): the unit goes last.
  for (auto old : {"switchboard_bytes_in_total", "switchboard_frames_out_total"})
    EXPECT_EQ(m.count(old), 0u) << old;
}

// metrics.port moves /metrics and /readyz off the public port.
TEST(metrics_test, MetricsPortServesMetricsAndReadyzAlone) {
  SB_SKIP_IN_REDIS_MODE();
  auto metrics_port = server_process::free_port();
  server_process server({"--metrics.port=" + std::to_string(metrics_port)});
  EXPECT_EQ(http_get(metrics_port, "/metrics").status, 200u);
  EXPECT_EQ(http_get(metrics_port, "/readyz").status, 200u);
  EXPECT_EQ(http_get(metrics_port, "/healthz").status, 200u);
  EXPECT_EQ(http_get(metrics_port, "/").status, 404u);
  EXPECT_EQ(http_get(metrics_port, "/api/publish").status, 404u);
  EXPECT_EQ(http_get(server.port(), "/metrics").status, 404u);
  EXPECT_EQ(http_get(server.port(), "/readyz").status, 404u);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
  auto ws = http_get(metrics_port, "/ws", upgrade_headers());
  EXPECT_EQ(ws.status, 404u) << "no sockets on the metrics port";
}

TEST(metrics_test, ReadyzIs200WithTheBrokerUp) {
  server_process server;
  EXPECT_EQ(wait_for_status(server.port(), "/readyz", 200, 5s), 200u);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}

// --- Redis going away and coming back ---

std::vector<std::string> own_redis_args(const redis_server& redis) {
  return {"--broker=redis", "--redis.url=" + redis.url(), "--redis.backoff-max=200ms",
          "--redis.connect-timeout=500ms", "--limits.commands-per-second=0"};
}

TEST(readyz_test, Is503WhileRedisIsKilledAnd200AfterItsRestart) {
  SB_REDIS_ONLY();
  redis_server redis;
  server_process server(own_redis_args(redis));
  ASSERT_EQ(wait_for_status(server.port(), "/readyz", 200, 5s), 200u) << server.logs_tail();
  redis.kill9();
  EXPECT_EQ(wait_for_status(server.port(), "/readyz", 503, 5s), 503u) << server.logs_tail();
  auto res = http_get(server.port(), "/readyz");
  EXPECT_EQ(res.status, 503u);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u) << "alive while not ready";
  redis.restart();
  EXPECT_EQ(wait_for_status(server.port(), "/readyz", 200, 10s), 200u) << server.logs_tail();
  EXPECT_GE(scrape(server.port())["switchboard_broker_reconnects_total"], 1);
}

TEST(readyz_test, QuietNodeServesEverySocketOnceReadyAfterARedisRestart) {
  // No traffic while Redis is down: the first commands after /readyz says
  // 200 must not fail on connections that died with the old redis-server.
  SB_REDIS_ONLY();
  redis_server redis;
  server_process server(own_redis_args(redis));
  ASSERT_EQ(wait_for_status(server.port(), "/readyz", 200, 5s), 200u) << server.logs_tail();
  {
    // Use every kind of connection once before the restart.
    chat_peer warm(server.port(), test_stream(), "streams");
    warm.say("warm");
  }
  redis.kill9();
  ASSERT_EQ(wait_for_status(server.port(), "/readyz", 503, 5s), 503u);
  redis.restart();
  ASSERT_EQ(wait_for_status(server.port(), "/readyz", 200, 10s), 200u) << server.logs_tail();
  // Streams whose keys map to each of the two command connections
  // (fnv1a(key) % redis.pool-size, see redis/redis_broker.cpp).
  std::vector<std::string> streams;
  for (size_t slot = 0; slot < 2; ++slot)
    for (int i = 0;; ++i) {
      auto s = test_stream(std::to_string(i));
      if (fnv1a(s + ":chat") % 2 == slot) {
        streams.push_back(s);
        break;
      }
    }
  for (const auto& stream : streams)
    for (const auto* strategy : {"pub-sub", "streams"}) {
      ws_client ws(server.port(), ws_client::target(json::array({chat_spec(stream, strategy)})));
      auto first = ws.read_json();
      EXPECT_EQ(first.value("type", ""), "welcome") << strategy << " on " << stream << ": "
                                                    << first;
      if (first.value("type", "") != "welcome") continue;
      ws.read_n(2);  // history, joined
      ws.send_json(send_command(stream, "hi", "r"));
      auto reply = ws.read_until([](const json& f) { return f.contains("type"); });
      EXPECT_EQ(reply.back().value("type", ""), "ack") << strategy << " on " << stream << ": "
                                                      << reply.back();
    }
  if (HasFailure()) std::printf("--- server log:\n%s\n", server.logs_tail(6000).c_str());
}

TEST(metrics_labels_test, CommandsClosesRateLimitsAndBrokerLatencyAreCounted) {
  server_process server({"--limits.commands-burst=1", "--limits.commands-per-second=1"});
  auto stream = test_stream();
  {
    chat_peer peer(server.port(), stream, "streams");
    peer.ws.send_json(send_command(stream, "one", "1"));
    peer.ws.send_json(send_command(stream, "two", "2")); // over the burst of 1
    peer.ws.read_until([](const json& f) { return is_error(f, "2"); });
    peer.ws.close();
  }
  auto m = scrape_until(server.port(), [](const samples& m) {
    return m.count("switchboard_sockets_closed_total{code=\"1000\"}") > 0;
  }, std::chrono::seconds(5));
  EXPECT_EQ(m["switchboard_commands_total{plugin=\"chat\",event=\"send\"}"], 1);
  EXPECT_EQ(m["switchboard_rate_limited_total"], 1);
  EXPECT_EQ(m["switchboard_sockets_closed_total{code=\"1000\"}"], 1);
  if (redis_mode()) {
    EXPECT_GT(m["switchboard_broker_command_seconds_count"], 0);
    EXPECT_EQ(m["switchboard_broker_command_seconds_bucket{le=\"+Inf\"}"],
              m["switchboard_broker_command_seconds_count"]);
  }
}

} // namespace
} // namespace sb::test
