// History paging (protocol version 2): chat's `history {before, limit}`
// command answered with a `history` reply, back to the first stored message
// with no gap and no duplicate, and /api/history's `before` and `reverse`
// (with a 400 for parameters it does not know). Both strategies, both brokers.

#include "tests/support/chat_peer.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace sb::test {
namespace {

constexpr const char* history_api_key = "history-key";

class history_test : public server_suite, public ::testing::WithParamInterface<std::string> {
protected:
  static void SetUpTestSuite() {
    start_server({"--limits.commands-per-second=0", "--chat.history=10",
                  std::string{"--api.key="} + history_api_key});
  }
  static void TearDownTestSuite() { stop_server(); }

  /// A stream holding m1..m<n>; returns their ids in order. The writer
  /// stays (a reader's chat_peer wants its own `joined` next, not the
  /// writer's `left`).
  std::vector<std::string> fill(const std::string& stream, int n) {
    writer = std::make_unique<chat_peer>(port(), stream, GetParam());
    std::vector<std::string> ids;
    for (int i = 1; i <= n; ++i)
      ids.push_back(writer->say("m" + std::to_string(i)));
    return ids;
  }

  std::unique_ptr<chat_peer> writer;

  json history(ws_client& ws, const std::string& stream, const json& data, const std::string& ref) {
    ws.send_json({{"client", "chat"}, {"stream", stream}, {"event", "history"}, {"ref", ref},
                  {"data", data}});
    return ws.read_until([&](const json& f) { return f.value("ref", "") == ref; }).back();
  }

  http_response api(const std::string& query) {
    return http_get(port(), "/api/history?" + query, {{"Authorization", std::string{"Bearer "} + history_api_key}});
  }
};

TEST_P(history_test, PagesBackToTheFirstMessageWithNoGapAndNoDuplicate) {
  auto stream = test_stream();
  auto ids = fill(stream, 25);
  chat_peer reader(port(), stream, GetParam());
  std::vector<std::string> texts;
  for (auto& m : reader.history)
    texts.push_back(m.at("text"));
  ASSERT_EQ(texts.size(), 10u);
  std::string before = reader.history[0].at("id");
  int pages = 0;
  for (bool more = true; more; ++pages) {
    ASSERT_LT(pages, 10);
    auto reply = history(reader.ws, stream, {{"before", before}, {"limit", 7}}, "h" + std::to_string(pages));
    ASSERT_EQ(reply.value("type", ""), "history") << reply;
    EXPECT_EQ(reply.value("client", ""), "chat");
    EXPECT_EQ(reply.value("stream", ""), stream);
    auto& data = reply.at("data");
    std::vector<std::string> page;
    for (auto& m : data.at("messages")) {
      page.push_back(m.at("text"));
      EXPECT_TRUE(m.at("user").is_object()) << m;
    }
    texts.insert(texts.begin(), page.begin(), page.end());
    more = data.at("more").get<bool>();
    if (more) {
      EXPECT_EQ(data.at("next"), data.at("messages").at(0).at("id"));
      before = data.at("next");
    } else {
      EXPECT_TRUE(data.at("next").is_null()) << reply;
    }
  }
  EXPECT_EQ(pages, 3); // 7 + 7 + 1
  ASSERT_EQ(texts.size(), 25u);
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(texts[i], "m" + std::to_string(i + 1));
}

TEST_P(history_test, WithoutBeforeItIsTheNewestPage) {
  auto stream = test_stream();
  auto ids = fill(stream, 5);
  chat_peer reader(port(), stream, GetParam());
  auto reply = history(reader.ws, stream, {{"limit", 3}}, "n");
  auto& messages = reply.at("data").at("messages");
  ASSERT_EQ(messages.size(), 3u) << reply;
  EXPECT_EQ(messages[2].at("id"), ids[4]);
  EXPECT_TRUE(reply.at("data").at("more").get<bool>());
  auto empty = history(reader.ws, stream, {{"before", ids[0]}}, "e");
  EXPECT_EQ(empty.at("data"), (json{{"messages", json::array()}, {"more", false}, {"next", nullptr}}));
}

TEST_P(history_test, BadArgumentsAreInvalidFrame) {
  auto stream = test_stream();
  chat_peer reader(port(), stream, GetParam());
  for (auto& data : {json{{"limit", 0}}, json{{"limit", 1001}}, json{{"limit", "5"}},
                     json{{"before", "yesterday"}}, json{{"before", 5}}}) {
    auto reply = history(reader.ws, stream, data, "bad");
    EXPECT_TRUE(is_error(reply, "bad")) << data << " -> " << reply;
    EXPECT_EQ(reply.value("code", ""), "invalid_frame") << data;
  }
}

TEST_P(history_test, TheApiTakesBeforeAndReverse) {
  auto stream = test_stream();
  auto ids = fill(stream, 6);
  auto ids_of = [](const http_response& r) {
    std::vector<std::string> out;
    auto doc = json::parse(r.body);
    for (auto& e : doc.at("entries"))
      out.push_back(e.at("id"));
    return out;
  };
  auto before = api("stream=" + stream + "&before=" + ids[4] + "&limit=2");
  ASSERT_EQ(before.status, 200u) << before.body;
  EXPECT_EQ(ids_of(before), (std::vector<std::string>{ids[2], ids[3]}));
  auto reversed = api("stream=" + stream + "&before=" + ids[4] + "&limit=2&reverse=true");
  EXPECT_EQ(ids_of(reversed), (std::vector<std::string>{ids[3], ids[2]}));
  auto newest = api("stream=" + stream + "&limit=3&reverse=true");
  EXPECT_EQ(ids_of(newest), (std::vector<std::string>{ids[5], ids[4], ids[3]}));
  auto since = api("stream=" + stream + "&since=" + ids[3] + "&reverse=false");
  EXPECT_EQ(ids_of(since), (std::vector<std::string>{ids[4], ids[5]}));
}

TEST_P(history_test, TheApiRefusesWhatItDoesNotKnow) {
  auto stream = test_stream();
  for (auto* query : {"&limt=5", "&reverse=yes", "&before=nope", "&since=1-0&before=2-0", "&x"}) {
    auto r = api("stream=" + stream + query);
    EXPECT_EQ(r.status, 400u) << query << ": " << r.body;
    EXPECT_TRUE(json::parse(r.body).at("error").is_string()) << r.body;
  }
  EXPECT_EQ(api("stream=" + stream + "&limit=5").status, 200u);
  auto presence = http_get(port(), "/api/presence?stream=" + stream + "&users=all",
                           {{"Authorization", std::string{"Bearer "} + history_api_key}});
  EXPECT_EQ(presence.status, 400u) << presence.body;
}

INSTANTIATE_TEST_SUITE_P(strategies, history_test, ::testing::Values("pub-sub", "streams"));

} // namespace
} // namespace sb::test
