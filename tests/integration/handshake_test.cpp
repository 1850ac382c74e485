// The WebSocket handshake outcomes of PROTOCOL §2: close codes for a bad
// `clients` parameter, error frames for bad specs, and the welcome frame.

#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/server_suite.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace sb::test {
namespace {

class handshake_test : public server_suite {
protected:
  static void SetUpTestSuite() { start_server({}); }
  static void TearDownTestSuite() { stop_server(); }

  // Connects with `clients` and returns the welcome frame.
  json welcome_for(ws_client& ws, const json& clients, const params& extra = {}) {
    ws.connect(port(), ws_client::target(clients, extra));
    return ws.read_json();
  }
};

// --- clients missing or not a list of objects: close 1008 ---

TEST_F(handshake_test, MissingClientsClosesWithNoClientsSpecified) {
  for (const auto* target : {"/ws", "/ws?name=Ada"}) {
    ws_client ws(port(), target);
    auto closed = ws.expect_close();
    EXPECT_EQ(closed.code, 1008) << target;
    EXPECT_EQ(closed.reason, "No clients specified") << target;
    EXPECT_EQ(closed.frames_before, 0u) << target;
  }
}

TEST_F(handshake_test, EmptyClientsArrayClosesWithNoClientsSpecified) {
  ws_client ws(port(), ws_client::target(json::array()));
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "No clients specified");
  EXPECT_EQ(closed.frames_before, 0u);
}

class invalid_clients_test : public handshake_test,
                             public ::testing::WithParamInterface<std::string> {};

TEST_P(invalid_clients_test, ClosesWithInvalidClients) {
  ws_client ws(port(), ws_client::target(params{{"clients", GetParam()}}));
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason.rfind("Invalid clients:", 0), 0u) << closed.reason;
  EXPECT_EQ(closed.frames_before, 0u);
}

INSTANTIATE_TEST_SUITE_P(
  NotAnArrayOfObjects, invalid_clients_test,
  ::testing::Values("not json", "[{\"name\":\"chat\"", R"({"name":"chat","stream":"s:1"})",
                    R"("chat")", "42", "null", "[1,2]", "[[]]",
                    R"([{"name":"chat","stream":"s:1"},5])"));

TEST_F(handshake_test, ClientsNestedTooDeepCloseWithInvalidClients) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  auto clients = R"([{"name":"chat","stream":"s:1","x":)" + deep + "}]";
  ws_client ws(port(), ws_client::target(params{{"clients", clients}}));
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "Invalid clients: nested deeper than 64 levels");
}

// --- the welcome frame ---

TEST_F(handshake_test, WelcomeIsFirstAndListsStartedClientsInSpecOrder) {
  auto s1 = test_stream("a");
  auto s2 = test_stream("b");
  ws_client ws;
  auto welcome = welcome_for(ws, json::array({chat_spec(s1), chat_spec(s2, "streams")}));
  EXPECT_EQ(welcome.at("type"), "welcome");
  EXPECT_TRUE(welcome.at("socket").is_string());
  const auto& user = welcome.at("user");
  EXPECT_EQ(user.at("id").get<std::string>().rfind("guest-", 0), 0u) << user;
  EXPECT_EQ(user.at("name"), user.at("id")) << "without ?name= the name is the id";
  EXPECT_EQ(user.size(), 2u) << user;
  json expected = json::array({{{"name", "chat"}, {"stream", s1}, {"strategy", "pub-sub"}},
                               {{"name", "chat"}, {"stream", s2}, {"strategy", "streams"}}});
  EXPECT_EQ(welcome.at("clients"), expected) << "no `recovered` without `since`";
  // Then each client's history (in spec order), each followed by its joined.
  auto frames = ws.read_n(4);
  std::vector<std::string> order;
  for (const auto& f : frames)
    order.push_back(f.value("event", "?") + "@" + (f.value("stream", "") == s1 ? "1" : "2"));
  auto pos = [&](const std::string& x) {
    return std::find(order.begin(), order.end(), x) - order.begin();
  };
  for (const auto* x : {"history@1", "history@2", "joined@1", "joined@2"})
    ASSERT_LT(pos(x), 4) << x << " missing from " << json(order);
  EXPECT_LT(pos("history@1"), pos("history@2")) << json(order);
  EXPECT_LT(pos("history@1"), pos("joined@1")) << json(order);
  EXPECT_LT(pos("history@2"), pos("joined@2")) << json(order);
  for (const auto& f : frames) {
    if (f.at("event") == "joined") {
      EXPECT_EQ(f.at("data").at("user"), user);
    }
  }
}

TEST_F(handshake_test, SocketAndGuestIdsAreUnique) {
  const std::regex socket_id("[A-Za-z0-9_.:-]+-[0-9a-f]+");
  std::set<std::string> sockets;
  std::set<std::string> users;
  for (int i = 0; i < 5; ++i) {
    ws_client ws;
    auto welcome = welcome_for(ws, json::array({chat_spec(test_stream())}));
    auto socket = welcome.at("socket").get<std::string>();
    EXPECT_TRUE(std::regex_match(socket, socket_id)) << socket;
    sockets.insert(socket);
    users.insert(welcome.at("user").at("id").get<std::string>());
  }
  EXPECT_EQ(sockets.size(), 5u);
  EXPECT_EQ(users.size(), 5u);
}

TEST_F(handshake_test, NameParameterNamesTheGuest) {
  ws_client ada;
  auto welcome = welcome_for(ada, json::array({chat_spec(test_stream())}), {{"name", "Ada"}});
  EXPECT_EQ(welcome.at("user").at("name"), "Ada");
  EXPECT_EQ(welcome.at("user").at("id").get<std::string>().rfind("guest-", 0), 0u);
  ws_client spaced;
  welcome = welcome_for(spaced, json::array({chat_spec(test_stream())}),
                        {{"name", "Ada Lovelace"}});
  EXPECT_EQ(welcome.at("user").at("name"), "Ada Lovelace") << "the name is percent-decoded";
}

TEST(handshake_node_test, SocketIdStartsWithTheNodeId) {
  server_process server({"--node.id=n7"});
  ws_client ws(server.port(), ws_client::target(json::array({chat_spec("stream:1")})));
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome.at("socket").get<std::string>().rfind("n7-", 0), 0u) << welcome;
}

TEST_F(handshake_test, StreamNamesUseTheWholeAllowedAlphabetUpTo200Chars) {
  std::string alphabet = "Az09_.:-" + test_stream();
  std::string longest = alphabet + std::string(200 - alphabet.size(), 'x');
  ws_client ws;
  auto welcome = welcome_for(ws, json::array({chat_spec(alphabet), chat_spec(longest)}));
  ASSERT_EQ(welcome.at("type"), "welcome") << welcome;
  ASSERT_EQ(welcome.at("clients").size(), 2u) << welcome;
  EXPECT_EQ(welcome.at("clients")[1].at("stream"), longest);
}

// --- invalid specs: one error frame each, the others start ---

struct bad_spec {
  const char* label;
  json spec;
  const char* code;
};

void PrintTo(const bad_spec& b, std::ostream* os) {
  *os << b.spec.dump();
}

class bad_spec_test : public handshake_test, public ::testing::WithParamInterface<bad_spec> {};

TEST_P(bad_spec_test, GetsAnErrorFrameAndTheGoodSpecStarts) {
  const auto& bad = GetParam();
  auto good = test_stream();
  ws_client ws;
  auto welcome = welcome_for(ws, json::array({bad.spec, chat_spec(good)}));
  ASSERT_EQ(welcome.at("type"), "welcome") << welcome;
  EXPECT_EQ(welcome.at("clients"),
            json::array({{{"name", "chat"}, {"stream", good}, {"strategy", "pub-sub"}}}));
  auto error = ws.read_json();
  EXPECT_EQ(error.at("type"), "error") << error;
  EXPECT_EQ(error.value("code", ""), bad.code) << error;
  EXPECT_TRUE(error.contains("message") && error["message"].is_string()) << error;
  EXPECT_FALSE(error.contains("ref")) << error;
  const auto& name = bad.spec.contains("name") ? bad.spec["name"] : json();
  if (name.is_string()) {
    EXPECT_EQ(error.value("client", json()), name) << error;
  } else {
    EXPECT_FALSE(error.contains("client")) << error;
  }
  const auto& stream = bad.spec.contains("stream") ? bad.spec["stream"] : json();
  if (stream.is_string()) {
    EXPECT_EQ(error.value("stream", json()), stream) << error;
  } else {
    EXPECT_FALSE(error.contains("stream")) << error;
  }
  auto history = ws.read_json();
  EXPECT_TRUE(is_event(history, "history", good)) << history;
}

INSTANTIATE_TEST_SUITE_P(
  Specs, bad_spec_test,
  ::testing::Values(
    bad_spec{"NoStream", {{"name", "chat"}}, "invalid_stream"},
    bad_spec{"EmptyStream", {{"name", "chat"}, {"stream", ""}}, "invalid_stream"},
    bad_spec{"SpaceInStream", {{"name", "chat"}, {"stream", "bad stream!"}}, "invalid_stream"},
    bad_spec{"SlashInStream", {{"name", "chat"}, {"stream", "stream/1"}}, "invalid_stream"},
    bad_spec{"NonAsciiStream", {{"name", "chat"}, {"stream", "stream:\xc3\xbc"}}, "invalid_stream"},
    bad_spec{"StreamOf201Chars", {{"name", "chat"}, {"stream", std::string(201, 's')}},
             "invalid_stream"},
    bad_spec{"NumericStream", {{"name", "chat"}, {"stream", 42}}, "invalid_stream"},
    bad_spec{"UnknownPlugin", {{"name", "nope"}, {"stream", "stream:1"}}, "unknown_plugin"},
    bad_spec{"BadStrategy", {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "fanout"}},
             "invalid_strategy"},
    bad_spec{"NumericStrategy", {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", 1}},
             "invalid_strategy"},
    bad_spec{"SinceOnDefaultPubSub", {{"name", "chat"}, {"stream", "stream:1"}, {"since", "1-0"}},
             "invalid_frame"},
    bad_spec{"SinceOnPubSub",
             {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "pub-sub"}, {"since", "1-0"}},
             "invalid_frame"},
    bad_spec{"SinceNotAnId",
             {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "streams"}, {"since", "abc"}},
             "invalid_frame"},
    bad_spec{"SinceWithThreeParts",
             {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "streams"},
              {"since", "1-2-3"}},
             "invalid_frame"},
    bad_spec{"SinceWithEmptySeq",
             {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "streams"}, {"since", "1-"}},
             "invalid_frame"},
    bad_spec{"SinceNotAString",
             {{"name", "chat"}, {"stream", "stream:1"}, {"strategy", "streams"}, {"since", 5}},
             "invalid_frame"}),
  [](const auto& info) { return std::string(info.param.label); });

TEST_F(handshake_test, ErrorsFollowTheWelcomeInSpecOrderBeforeAnyHistory) {
  auto good1 = test_stream("good1");
  auto good2 = test_stream("good2");
  json clients = json::array({json{{"name", "nope"}, {"stream", "stream:1"}}, chat_spec(good1),
                              json{{"name", "chat"}, {"stream", "bad stream!"}},
                              chat_spec(good2, "streams")});
  ws_client ws;
  auto welcome = welcome_for(ws, clients);
  ASSERT_EQ(welcome.at("type"), "welcome") << welcome;
  ASSERT_EQ(welcome.at("clients").size(), 2u) << welcome;
  EXPECT_EQ(welcome["clients"][0].at("stream"), good1);
  EXPECT_EQ(welcome["clients"][1].at("stream"), good2);
  auto first = ws.read_json();
  auto second = ws.read_json();
  EXPECT_EQ(first.value("code", ""), "unknown_plugin") << first;
  EXPECT_EQ(second.value("code", ""), "invalid_stream") << second;
  auto next = ws.read_json();
  EXPECT_TRUE(is_event(next, "history", good1)) << next;
}

TEST_F(handshake_test, SpecsBeyondTheLimitGetTooLarge) {
  json clients = json::array();
  for (int i = 0; i < 34; ++i)
    clients.push_back(chat_spec(test_stream(std::to_string(i))));
  ws_client ws;
  auto welcome = welcome_for(ws, clients);
  ASSERT_EQ(welcome.at("type"), "welcome") << welcome.dump().substr(0, 300);
  ASSERT_EQ(welcome.at("clients").size(), 32u);
  for (size_t i = 0; i < 32; ++i)
    EXPECT_EQ(welcome["clients"][i].at("stream"), clients[i]["stream"]);
  for (size_t i = 32; i < 34; ++i) {
    auto error = ws.read_json();
    EXPECT_EQ(error.value("type", ""), "error") << error;
    EXPECT_EQ(error.value("code", ""), "too_large") << error;
    EXPECT_EQ(error.value("client", ""), "chat") << error;
    EXPECT_EQ(error.value("stream", json()), clients[i]["stream"]) << error;
  }
  auto next = ws.read_json();
  EXPECT_TRUE(is_event(next, "history", clients[0]["stream"])) << next;
}

TEST(handshake_specs_option_test, SpecLimitIsConfigurable) {
  server_process server({"--limits.specs-per-socket=2"});
  json clients = json::array({chat_spec("stream:a"), chat_spec("stream:b"), chat_spec("stream:c")});
  ws_client ws(server.port(), ws_client::target(clients));
  auto welcome = ws.read_json();
  ASSERT_EQ(welcome.at("type"), "welcome") << welcome;
  EXPECT_EQ(welcome.at("clients").size(), 2u) << welcome;
  auto error = ws.read_json();
  EXPECT_EQ(error.value("code", ""), "too_large") << error;
  EXPECT_EQ(error.value("stream", ""), "stream:c") << error;
}

TEST_F(handshake_test, DuplicateSpecGetsInvalidFrame) {
  auto stream = test_stream();
  for (const auto* strategy : {"pub-sub", "streams"}) {
    ws_client ws;
    auto welcome = welcome_for(ws, json::array({chat_spec(stream), chat_spec(stream, strategy)}));
    ASSERT_EQ(welcome.at("type"), "welcome") << welcome;
    EXPECT_EQ(welcome.at("clients"),
              json::array({{{"name", "chat"}, {"stream", stream}, {"strategy", "pub-sub"}}}));
    auto error = ws.read_json();
    EXPECT_EQ(error.value("type", ""), "error") << error;
    EXPECT_EQ(error.value("code", ""), "invalid_frame") << error;
    EXPECT_EQ(error.value("client", ""), "chat") << error;
    EXPECT_EQ(error.value("stream", ""), stream) << error;
  }
}

TEST_F(handshake_test, NoValidClientsSendsErrorsThenCloses) {
  json clients = json::array({json{{"name", "nope"}, {"stream", "stream:1"}},
                              json{{"name", "chat"}, {"stream", "bad stream!"}}});
  ws_client ws(port(), ws_client::target(clients));
  auto first = ws.read_json();
  auto second = ws.read_json();
  EXPECT_EQ(first.value("type", ""), "error") << first;
  EXPECT_EQ(first.value("code", ""), "unknown_plugin") << first;
  EXPECT_EQ(second.value("type", ""), "error") << second;
  EXPECT_EQ(second.value("code", ""), "invalid_stream") << second;
  auto closed = ws.expect_close();
  EXPECT_EQ(closed.code, 1008);
  EXPECT_EQ(closed.reason, "No valid clients");
  EXPECT_EQ(closed.frames_before, 0u);
}

} // namespace
} // namespace sb::test
