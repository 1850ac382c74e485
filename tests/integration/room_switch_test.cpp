// One socket switches rooms 100 times (unsubscribe the old chat, subscribe
// the next) while a backend publishes into every room without pause. While
// subscribed, the socket gets each room's messages exactly once, with no
// gap between its history and the live ones; before a subscribe's reply and
// after an unsubscribe's reply it gets nothing of that room. Both
// strategies, both brokers.

#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {
namespace {

constexpr const char* switch_api_key = "switch-key";
constexpr int rooms = 5;
constexpr int switches = 100;
constexpr int live_per_visit = 3;

/// Publishes `<room>#<seq>` into the rooms in turn through /api/publish
/// (stored and published, as a backend does) until stopped.
class publisher {
public:
  publisher(uint16_t port, std::vector<std::string> streams)
    : port_(port), streams_(std::move(streams)), thread_([this] { run(); }) {}
  ~publisher() {
    stop_ = true;
    thread_.join();
  }
  int failures() const { return failures_; }

private:
  void run() {
    std::vector<int> seq(streams_.size(), 0);
    for (size_t i = 0; !stop_; i = (i + 1) % streams_.size()) {
      json body = {{"stream", streams_[i]}, {"client", "chat"}, {"event", "message"},
                   {"data", {{"user", {{"id", "backend"}, {"name", "Backend"}}},
                             {"text", streams_[i] + "#" + std::to_string(seq[i]++)},
                             {"ts", 0}}}};
      try {
        auto r = http_post(port_, "/api/publish", body.dump(),
                           {{"Authorization", std::string{"Bearer "} + switch_api_key}});
        failures_ += r.status != 200;
      } catch (const std::exception&) {
        ++failures_;
      }
    }
  }

  uint16_t port_;
  std::vector<std::string> streams_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

int seq_of(const json& message_data) {
  auto text = message_data.at("text").get<std::string>();
  return std::stoi(text.substr(text.rfind('#') + 1));
}

class room_switch_test : public server_suite, public ::testing::WithParamInterface<std::string> {
protected:
  static void SetUpTestSuite() {
    start_server({"--limits.commands-per-second=0", std::string{"--api.key="} + switch_api_key});
  }
  static void TearDownTestSuite() { stop_server(); }

  /// The room of a chat frame, or "" for other frames.
  static std::string room_of(const json& f) {
    return f.value("client", "") == "chat" ? f.value("stream", "") : std::string{};
  }
};

TEST_P(room_switch_test, ExactlyOnceWhileSubscribedAndNothingAfter) {
  std::vector<std::string> streams;
  for (int r = 0; r < rooms; ++r)
    streams.push_back(test_stream("room" + std::to_string(r)));
  ws_client ws(port(), ws_client::target(params{{"v", "2"}}));
  ASSERT_EQ(ws.read_json().value("type", ""), "welcome");
  publisher backend(port(), streams);

  size_t live_total = 0;
  for (int visit = 0; visit < switches; ++visit) {
    const auto& room = streams[visit % rooms];
    auto ref = "s" + std::to_string(visit);
    ws.send_json({{"type", "subscribe"}, {"ref", ref},
                  {"clients", json::array({chat_spec(room, GetParam())})}});
    // Nothing of any room before the reply: the last one was unsubscribed.
    auto frames = ws.read_until([&](const json& f) { return f.value("ref", "") == ref; });
    ASSERT_TRUE(frames.back().at("clients").at(0).value("ok", false)) << frames.back();
    for (size_t i = 0; i + 1 < frames.size(); ++i)
      ASSERT_EQ(room_of(frames[i]), "") << "visit " << visit << ": " << frames[i];
    // Then the catch-up, then live messages continuing it with no gap and
    // no duplicate; frames of other rooms never.
    auto history = ws.read_json();
    ASSERT_TRUE(is_event(history, "history", room)) << history;
    std::vector<int> seqs;
    for (auto& m : history["data"]["messages"])
      seqs.push_back(seq_of(m));
    int live = 0;
    while (live < live_per_visit) {
      auto f = ws.read_json();
      ASSERT_EQ(room_of(f), room) << "visit " << visit << ": " << f;
      if (!is_event(f, "message", room))
        continue;
      seqs.push_back(seq_of(f["data"]));
      ++live;
    }
    auto unref = "u" + std::to_string(visit);
    ws.send_json({{"type", "unsubscribe"}, {"ref", unref},
                  {"clients", json::array({chat_spec(room)})}});
    frames = ws.read_until([&](const json& f) { return f.value("ref", "") == unref; });
    ASSERT_TRUE(frames.back().at("clients").at(0).value("ok", false)) << frames.back();
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
      ASSERT_EQ(room_of(frames[i]), room) << "visit " << visit << ": " << frames[i];
      if (is_event(frames[i], "message", room))
        seqs.push_back(seq_of(frames[i]["data"]));
    }
    for (size_t i = 1; i < seqs.size(); ++i)
      ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "visit " << visit << " of " << room << ": a "
                                          << (seqs[i] <= seqs[i - 1] ? "duplicate" : "gap");
    live_total += seqs.size();
  }
  EXPECT_EQ(backend.failures(), 0);
  EXPECT_GE(live_total, size_t{switches * live_per_visit});
}

INSTANTIATE_TEST_SUITE_P(strategies, room_switch_test, ::testing::Values("pub-sub", "streams"));

} // namespace
} // namespace sb::test
