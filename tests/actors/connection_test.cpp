// The connection (actors/connection): commands that arrive before welcome
// wait for it and then run in order; a plugin that never opens is given up
// after the open timeout; a plugin that dies is reported and unrouted; a
// connection that ends without closing its plugins still makes them close,
// and a plugin that dies after going live still leaves its topic (neither
// is monitored on one node); a plugin's join reaches the topic with the
// socket; its replies reach the socket; the connection is in the node's
// socket directory and describes itself.
#define CAF_SUITE connection
#include "tests/actors/fixture.hpp"

#include <nlohmann/json.hpp>

#include "plugins/chat.hpp"

using namespace sb;
using namespace sb::test;
using nlohmann::json;

namespace {

struct connection_fixture : actor_fixture {
  connection_fixture() : sink(std::make_shared<recording_sink>()) {
  }

  connection_actor open_socket(const std::string& clients) {
    connection_args args{"sock-1", sink, clients, std::string{"Ada"}, std::nullopt, std::nullopt};
    auto conn = sys.spawn(connection, std::make_shared<const node_context>(node), std::move(args));
    spawned.push_back(caf::actor_cast<caf::actor>(conn));
    sched.run_once(); // its start: parses `clients`, spawns and opens the plugins
    return conn;
  }

  static std::string command(const std::string& client, const std::string& text) {
    return json{{"client", client}, {"stream", "s:1"}, {"event", "send"},
                {"data", {{"text", text}}}}
      .dump();
  }

  using conn_type = lean_actor<connection_state, connection_actor::base>;

  /// A socket with a real chat plugin on s:1, past welcome; the
  /// connection and the plugin.
  std::pair<connection_actor, plugin_actor> open_chat() {
    auto plugins = std::make_shared<plugin_registry>();
    plugins->add(base_plugin("chat", "message", spawn_chat)); // as registered
    node.plugins = plugins;
    auto conn = open_socket(R"([{"name":"chat","stream":"s:1"}])");
    run();
    CAF_REQUIRE_EQUAL(frame(0).value("type", ""), "welcome");
    auto& alive = deref<conn_type>(conn).state.alive;
    CAF_REQUIRE_EQUAL(alive.size(), 1u);
    return {conn, alive.begin()->second};
  }

  /// How many topics the node's shards hold.
  size_t topics() {
    auto rp = self->request(registry, caf::infinite, topics_atom::value);
    run();
    size_t n = 0;
    rp.receive([&](std::vector<topic_report>& r) { n = r.size(); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return n;
  }

  /// The socket was told its `client` is gone (`internal`), and a command
  /// to it is now `unknown_client`.
  void check_lost(const connection_actor& conn, const std::string& client) {
    auto error = frame(sink->frames.size() - 1);
    CAF_CHECK_EQUAL(error.value("type", ""), "error");
    CAF_CHECK_EQUAL(error.value("code", ""), "internal");
    CAF_CHECK_EQUAL(error.value("client", ""), client);
    caf::anon_send(conn, frame_atom::value, command(client, "late"), false);
    run();
    CAF_CHECK_EQUAL(frame(sink->frames.size() - 1).value("code", ""), "unknown_client");
  }

  json frame(size_t i) const {
    CAF_REQUIRE(i < sink->frames.size());
    return json::parse(sink->frames[i]);
  }

  std::shared_ptr<recording_sink> sink;
};

const std::string fake_on_s1 = R"([{"name":"fake","stream":"s:1"}])";

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_tests, connection_fixture)

CAF_TEST(commands before welcome wait for it and then run in order) {
  auto conn = open_socket(fake_on_s1);
  // Two commands arrive while the plugin is still opening.
  caf::anon_send(conn, frame_atom::value, command("fake", "first"), false);
  caf::anon_send(conn, frame_atom::value, command("fake", "second"), false);
  expect((open_atom), from(conn).to(fake_log().last));
  expect((frame_atom, std::string, bool), from(_).to(conn));
  expect((frame_atom, std::string, bool), from(_).to(conn));
  CAF_CHECK(fake_log().commands.empty());
  CAF_CHECK(sink->frames.empty()); // no welcome yet
  expect((open_result), from(fake_log().last).to(conn));
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "welcome");
  expect((start_atom), from(conn).to(fake_log().last));
  expect((ok_atom), from(fake_log().last).to(conn));
  expect((command_atom, std::string, std::string, std::string),
         from(conn).to(fake_log().last).with(_, "send", _, R"({"text":"first"})"));
  expect((command_atom, std::string, std::string, std::string),
         from(conn).to(fake_log().last).with(_, "send", _, R"({"text":"second"})"));
  CAF_CHECK_EQUAL(fake_log().commands, (std::vector<std::string>{R"(send {"text":"first"})",
                                                                  R"(send {"text":"second"})"}));
}

CAF_TEST(a plugin that never opens is given up after the open timeout) {
  open_socket(R"([{"name":"silent","stream":"s:1"}])");
  sched.run(); // every message, but no timeout yet
  CAF_CHECK(sink->frames.empty());
  CAF_CHECK(!sink->closed);
  CAF_REQUIRE(trigger_timeout()); // the 10 s open timeout
  sched.run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "error");
  CAF_CHECK_EQUAL(frame(0).value("code", ""), "unavailable");
  CAF_CHECK_EQUAL(frame(0).value("client", ""), "silent");
  CAF_REQUIRE(sink->closed);
  CAF_CHECK_EQUAL(sink->closed->first, 1008u);
  CAF_CHECK_EQUAL(sink->closed->second, "No valid clients");
}

CAF_TEST(a plugin that dies while others still open is a failed spec not a client) {
  open_socket(R"([{"name":"fake","stream":"s:1"},{"name":"silent","stream":"s:2"}])");
  sched.run(); // fake answered open; silent never will
  CAF_CHECK(sink->frames.empty());
  caf::anon_send_exit(fake_log().last, caf::exit_reason::kill);
  sched.run();
  // The open timeouts (fake's, answered, and silent's) end the handshake.
  while (sink->frames.empty() && trigger_timeout())
    sched.run();
  // No client started: nobody is left to answer its commands.
  CAF_REQUIRE_GREATER_OR_EQUAL(sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "error");
  CAF_CHECK_EQUAL(frame(0).value("client", ""), "fake");
  CAF_CHECK_EQUAL(frame(0).value("code", ""), "internal");
  CAF_CHECK_EQUAL(frame(1).value("client", ""), "silent");
  CAF_REQUIRE(sink->closed);
  CAF_CHECK_EQUAL(sink->closed->second, "No valid clients");
}

CAF_TEST(a plugin that dies is reported and its commands are refused) {
  auto conn = open_socket(fake_on_s1);
  run();
  CAF_REQUIRE(fake_log().started);
  caf::anon_send_exit(fake_log().last, caf::exit_reason::kill);
  run();
  check_lost(conn, "fake");
  CAF_CHECK(fake_log().commands.empty());
}

CAF_TEST(a connection that ends without closing its plugins makes them close) {
  // The fakes monitor their connection; chat on the same node does not:
  // the connection tells it as it ends.
  auto [conn, plugin] = open_chat();
  self->monitor(plugin);
  caf::anon_send_exit(conn, caf::exit_reason::kill);
  run();
  bool closed = false;
  self->receive([&](caf::down_msg& dm) { closed = dm.source == plugin.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(closed);
  CAF_CHECK_EQUAL(topics(), 0u); // it closed, leaving its topic: not just killed
}

CAF_TEST(an open socket keeps nothing of its opening) {
  auto [conn, plugin] = open_chat();
  CAF_CHECK(deref<conn_type>(conn).state.opened_state == nullptr);
}

CAF_TEST(a plugin that dies after going live leaves its topic and is reported) {
  // Neither its connection nor, once it activated, its shard monitors chat
  // on their node: chat says itself that it ended.
  auto [conn, plugin] = open_chat();
  CAF_REQUIRE_EQUAL(topics(), 1u);
  caf::anon_send_exit(plugin, caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(topics(), 0u);
  check_lost(conn, "chat");
}

CAF_TEST(a plugin joins its topic through the connection and writes to the socket) {
  auto conn = open_socket(fake_on_s1);
  run();
  // As a plugin would: join, activate with a catch-up, reply to the client.
  caf::scoped_actor as_plugin{sys, true};
  auto joined = as_plugin->request(conn, caf::infinite, join_atom::value,
                                   topic_request{"s:1:fake", "s:1", "fake", "message",
                                                 strategy::pub_sub});
  expect((join_atom, topic_request), from(_).to(conn));
  // Delegated: the registry sees the plugin as the sender, and answers it.
  expect((join_atom, topic_join), from(_).to(registry));
  run();
  membership_actor topic;
  joined.receive([&](membership_actor& t) { topic = std::move(t); },
                 [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_REQUIRE(topic);
  auto before = sink->frames.size();
  as_plugin->send(topic, activate_atom::value, std::string{},
                  std::vector<std::string>{R"({"catch":"up"})"});
  as_plugin->send(conn, write_atom::value, std::string{R"({"type":"ack","ref":"1"})"});
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), before + 2);
  CAF_CHECK_EQUAL(sink->frames[before], R"({"catch":"up"})");
  CAF_CHECK_EQUAL(sink->frames[before + 1], R"({"type":"ack","ref":"1"})");
}

CAF_TEST(the connection is in the directory and describes its socket) {
  auto conn = open_socket(fake_on_s1);
  run();
  auto listed = node.sockets->snapshot();
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK(listed[0] == conn);
  auto rp = self->request(conn, caf::infinite, describe_atom::value);
  expect((describe_atom), from(self).to(conn));
  rp.receive(
    [&](const socket_report& r) {
      CAF_CHECK_EQUAL(r.id, "sock-1");
      CAF_REQUIRE_EQUAL(r.plugins.size(), 1u);
      CAF_CHECK_EQUAL(r.plugins[0].client, "fake");
      CAF_CHECK_EQUAL(r.plugins[0].stream, "s:1");
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  // Gone with its actor: the directory holds no dead sockets.
  self->send(conn, closed_atom::value, uint16_t{1006});
  run();
  CAF_CHECK(node.sockets->snapshot().empty());
}

CAF_TEST(the client closing lets plugins finish before the close goes out) {
  auto conn = open_socket(fake_on_s1);
  run();
  caf::anon_send(conn, frame_atom::value, command("fake", "last words"), false);
  caf::anon_send(conn, closing_atom::value, uint16_t{1000});
  expect((frame_atom, std::string, bool), from(_).to(conn));
  expect((closing_atom, uint16_t), from(_).to(conn));
  expect((command_atom, std::string, std::string, std::string),
         from(conn).to(fake_log().last).with(_, "send", _, R"({"text":"last words"})"));
  expect((close_atom), from(conn).to(fake_log().last));
  CAF_CHECK(!sink->closed); // the plugin is not down yet
  run();
  CAF_REQUIRE(sink->closed);
  CAF_CHECK_EQUAL(sink->closed->first, 1000u);
}

CAF_TEST_FIXTURE_SCOPE_END()
