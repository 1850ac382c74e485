// Resuming a `streams` chat client with `since` (PROTOCOL §2, §4): the
// missed entries replayed exactly once and in order, or a fresh history
// when they were trimmed away.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::test {
namespace {

// Frames from a fresh resume up to and including both the ack of its own
// barrier message and the message itself. They come in either order: the
// ack leaves when the entry is stored, the message when the broker delivers
// it (with Redis, XREAD may beat the XADD reply).
std::vector<json> read_to_barrier(ws_client& ws, const std::string& stream) {
  ws.send_json(send_command(stream, "barrier", "barrier"));
  bool acked = false;
  bool echoed = false;
  return ws.read_until([&](const json& f) {
    acked = acked || is_ack(f, "barrier");
    echoed = echoed || (is_event(f, "message", stream) && f["data"]["text"] == "barrier");
    return acked && echoed;
  });
}

std::vector<std::string> message_ids(const std::vector<json>& frames) {
  std::vector<std::string> ids;
  for (const auto& f : events(frames, "message"))
    if (f["data"]["text"] != "barrier") ids.push_back(f.value("id", "<no id>"));
  return ids;
}

json resumed_client(const std::string& stream, bool recovered) {
  return json::array({{{"name", "chat"}, {"stream", stream}, {"strategy", "streams"},
                       {"recovered", recovered}}});
}

class resume_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({"--limits.commands-per-second=0"}); }
  static void TearDownTestSuite() { stop_server(); }

  // Says m0..m<n-1> on `stream` from a fresh socket, which then closes.
  std::vector<std::string> fill(const std::string& stream, int n) {
    chat_peer writer(port(), stream, "streams");
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i)
      ids.push_back(writer.say("m" + std::to_string(i)));
    writer.ws.close();
    return ids;
  }
};

TEST_F(resume_test, SinceReplaysExactlyTheMissedEntriesInOrder) {
  auto stream = test_stream();
  auto ids = fill(stream, 10);
  ws_client ws(port(), ws_client::target(json::array({chat_spec(stream, "streams", ids[3])})));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.value("type", ""), "welcome") << welcome;
  EXPECT_EQ(welcome.at("clients"), resumed_client(stream, true));
  auto frames = read_to_barrier(ws, stream);
  EXPECT_TRUE(events(frames, "history").empty()) << "a recovered resume gets no history";
  EXPECT_EQ(message_ids(frames), std::vector<std::string>(ids.begin() + 4, ids.end()));
  // The replayed messages are the stored ones, text included, before joined.
  // The barrier is live, like joined: on `streams` it comes through the
  // stream listener and joined through the subscriber, in either order, so
  // joined may still be on its way.
  if (events(frames, "joined").empty())
    for (auto& f : ws.read_until([](const json& f) { return is_event(f, "joined"); }))
      frames.push_back(f);
  size_t replayed = 0;
  for (const auto& f : frames) {
    if (is_event(f, "joined")) break;
    if (!is_event(f, "message") || f["data"]["text"] == "barrier") continue;
    EXPECT_EQ(f["data"]["text"], "m" + std::to_string(4 + replayed)) << f;
    ++replayed;
  }
  EXPECT_EQ(replayed, 6u) << "all replayed messages come before the live joined";
  EXPECT_EQ(events(frames, "joined").size(), 1u);
}

TEST_F(resume_test, SinceTheLastEntryReplaysNothing) {
  auto stream = test_stream();
  auto ids = fill(stream, 3);
  ws_client ws(port(), ws_client::target(json::array({chat_spec(stream, "streams", ids.back())})));
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.at("clients"), resumed_client(stream, true));
  auto frames = read_to_barrier(ws, stream);
  EXPECT_TRUE(events(frames, "history").empty());
  EXPECT_TRUE(message_ids(frames).empty()) << json(frames);
}

TEST_F(resume_test, LiveMessagesFollowTheReplayWithoutGapOrDuplicate) {
  auto stream = test_stream();
  chat_peer writer(port(), stream, "streams");
  auto since = writer.say("before");
  // Pipeline sends so some land during the resume, then resume while they run.
  const int n = 40;
  for (int i = 0; i < n; ++i)
    writer.ws.send_json(send_command(stream, "m" + std::to_string(i), "r" + std::to_string(i)));
  ws_client ws(port(), ws_client::target(json::array({chat_spec(stream, "streams", since)})));
  std::vector<std::string> acked;
  writer.ws.read_until([&](const json& f) {
    if (f.value("type", "") == "ack") acked.push_back(f.at("id").get<std::string>());
    return acked.size() == static_cast<size_t>(n);
  }, 10 * n);
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.at("clients"), resumed_client(stream, true));
  std::vector<std::string> seen;
  ws.read_until([&](const json& f) {
    if (is_event(f, "message", stream)) seen.push_back(f.value("id", "<no id>"));
    return !seen.empty() && seen.back() == acked.back();
  }, 10 * n);
  EXPECT_EQ(seen, acked);
}

TEST(resume_trimmed_test, TrimmedSinceGivesRecoveredFalseAndAHistory) {
  server_process server({"--chat.max-length=10", "--limits.commands-per-second=0"});
  auto stream = test_stream();
  chat_peer writer(server.port(), stream, "streams");
  auto since = writer.say("first");
  std::string last;
  for (int i = 0; i < 150; ++i)
    last = writer.say("m" + std::to_string(i));
  ws_client ws(server.port(),
               ws_client::target(json::array({chat_spec(stream, "streams", since)})));
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.at("clients"), resumed_client(stream, false));
  auto history = ws.read_json();
  ASSERT_TRUE(is_event(history, "history", stream)) << "instead of a replay: " << history;
  const auto& messages = history.at("data").at("messages");
  ASSERT_FALSE(messages.empty());
  EXPECT_LE(messages.size(), 50u);
  EXPECT_EQ(messages.back().value("id", ""), last);
  for (size_t i = 1; i < messages.size(); ++i)
    EXPECT_TRUE(id_less(messages[i - 1]["id"], messages[i]["id"])) << messages;
  auto joined = ws.read_json();
  EXPECT_TRUE(is_event(joined, "joined", stream)) << "no replay after the history: " << joined;
}

} // namespace
} // namespace sb::test
