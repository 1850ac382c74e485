// Big rooms: presence carries the user count in state/join/leave, and above
// presence.max-list a room gets a count-only state and coalesced `count`
// events instead of join/leave; chat's joined/left stop above
// chat.max-join-leave members. Small limits here (2) so three sockets make a
// crowd. Both brokers.

#include "tests/support/frames.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

json room_specs(const std::string& stream) {
  return json::array({chat_spec(stream), {{"name", "presence"}, {"stream", stream}}});
}

bool presence_event(const json& f, const std::string& event) {
  return is_event(f, event, {}, "presence");
}

/// A guest with chat and presence on `stream`; reads up to its presence state.
struct guest {
  guest(uint16_t port, const std::string& stream)
    : ws(port, ws_client::target(room_specs(stream))) {
    user = ws.read_json().at("user");
    state = until([](const json& f) { return presence_event(f, "state"); });
    unread.assign(seen.begin(), seen.end() - 1); // chat's frames may come first
  }

  /// The next frame, read or left over, that matches `pred` (frames before
  /// it are passed over); every frame read lands in `seen`.
  json until(const std::function<bool(const json&)>& pred) {
    while (!unread.empty()) {
      auto f = unread.front();
      unread.pop_front();
      if (pred(f))
        return f;
    }
    auto frames = ws.read_until(pred);
    seen.insert(seen.end(), frames.begin(), frames.end());
    return frames.back();
  }

  size_t count_of(const std::string& event, const std::string& client) const {
    size_t n = 0;
    for (auto& f : seen)
      n += is_event(f, event, {}, client);
    return n;
  }

  ws_client ws;
  json user;
  json state;
  std::vector<json> seen;
  std::deque<json> unread;
};

class crowd_test : public server_suite {
protected:
  static void SetUpTestSuite() {
    start_server({"--presence.max-list=2", "--chat.max-join-leave=2"});
  }
  static void TearDownTestSuite() { stop_server(); }
};

TEST_F(crowd_test, PresenceCountsAndSwitchesToACountAboveTheList) {
  auto stream = test_stream();
  guest a(port(), stream);
  EXPECT_EQ(a.state["data"]["count"], 1) << a.state;
  EXPECT_EQ(a.state["data"]["users"].size(), 1u);
  auto own = a.until([](const json& f) { return presence_event(f, "join"); });
  EXPECT_EQ(own["data"]["count"], 1) << own;

  guest b(port(), stream);
  EXPECT_EQ(b.state["data"]["count"], 2);
  EXPECT_EQ(b.state["data"]["users"].size(), 2u);
  auto join = a.until([](const json& f) { return presence_event(f, "join"); });
  EXPECT_EQ(join["data"]["user"], b.user);
  EXPECT_EQ(join["data"]["count"], 2);

  // The third makes a crowd: a count-only state, and `count` instead of join.
  auto c = std::make_unique<guest>(port(), stream);
  EXPECT_EQ(c->state["data"], (json{{"count", 3}})) << c->state;
  for (auto* g : {&a, &b, c.get()}) {
    auto count = g->until([](const json& f) { return presence_event(f, "count"); });
    EXPECT_EQ(count["data"], (json{{"count", 3}})) << count;
    EXPECT_FALSE(count.contains("id"));
  }
  // Back under the limit: `leave` again, with the count.
  auto c_user = c->user;
  c->ws.close();
  c.reset();
  auto leave = a.until([](const json& f) { return presence_event(f, "leave"); });
  EXPECT_EQ(leave["data"]["user"]["id"], c_user["id"]);
  EXPECT_EQ(leave["data"]["count"], 2);
  EXPECT_EQ(a.count_of("join", "presence"), 2u) << "no join for the third: " << json(a.seen);
}

TEST_F(crowd_test, CountsOfManyArrivalsAreCoalescedToTheNewest) {
  auto stream = test_stream();
  std::vector<std::unique_ptr<guest>> room;
  for (int i = 0; i < 8; ++i)
    room.push_back(std::make_unique<guest>(port(), stream));
  auto& first = *room.front();
  // Six arrivals above the limit, in well under a second: the first gets
  // the newest count, in fewer frames than arrivals.
  first.until([](const json& f) { return presence_event(f, "count") && f["data"]["count"] == 8; });
  EXPECT_LT(first.count_of("count", "presence"), 6u) << json(first.seen);
  EXPECT_EQ(room.back()->state["data"], (json{{"count", 8}}));
}

TEST_F(crowd_test, ChatJoinedAndLeftStopAboveTheLimit) {
  auto stream = test_stream();
  guest a(port(), stream);
  a.until([](const json& f) { return is_event(f, "joined"); }); // its own
  guest b(port(), stream);
  auto joined = a.until([](const json& f) { return is_event(f, "joined"); });
  EXPECT_EQ(joined["data"]["user"], b.user);
  guest c(port(), stream); // three members: none of them hears of it
  // A message from the third proves its joined would have come by now.
  c.ws.send_json(send_command(stream, "hello from the crowd", "m"));
  for (auto* g : {&a, &b})
    g->until([](const json& f) { return is_event(f, "message"); });
  c.until([](const json& f) { return is_event(f, "message"); });
  EXPECT_EQ(a.count_of("joined", "chat"), 2u) << json(a.seen);
  EXPECT_EQ(b.count_of("joined", "chat"), 1u) << json(b.seen);
  EXPECT_EQ(c.count_of("joined", "chat"), 0u) << json(c.seen);
}

} // namespace
} // namespace sb::test
