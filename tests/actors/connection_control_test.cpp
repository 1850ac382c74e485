// The connection's protocol version 2 (actors/connection_control): a v2
// socket may start without specs; subscribe opens a plugin on the open
// socket and answers once, before the plugin starts, while the frames after
// it wait for that answer; unsubscribe closes a plugin and answers only
// once it is down, leaving the socket open; a spec the socket already has
// is refused and the first keeps working; the spec limit counts live specs.
#define CAF_SUITE connection_control
#include "tests/actors/fixture.hpp"

#include <nlohmann/json.hpp>

#include "config/settings.hpp"

using namespace sb;
using namespace sb::test;
using nlohmann::json;

namespace {

struct control_fixture : actor_fixture {
  control_fixture() : sink(std::make_shared<recording_sink>()) {
    auto cfg = std::make_shared<settings>();
    cfg->max_specs = 2;
    node.config = std::move(cfg);
  }

  /// A socket that announced `v=2`, with its `clients` (if any), started.
  connection_actor open_v2(std::optional<std::string> clients) {
    connection_args args{"sock-1",     sink, std::move(clients), std::string{"Ada"},
                         std::nullopt, std::string{"2"}};
    auto conn = sys.spawn(connection, std::make_shared<const node_context>(node), std::move(args));
    spawned.push_back(caf::actor_cast<caf::actor>(conn));
    run();
    return conn;
  }

  static std::string control(const std::string& type, const std::string& ref,
                             const std::vector<std::string>& streams) {
    json clients = json::array();
    for (auto& s : streams)
      clients.push_back({{"name", "fake"}, {"stream", s}});
    return json{{"type", type}, {"ref", ref}, {"clients", clients}}.dump();
  }

  static std::string command(const std::string& stream, const std::string& text) {
    return json{{"client", "fake"}, {"stream", stream}, {"event", "send"},
                {"data", {{"text", text}}}}
      .dump();
  }

  json frame(size_t i) const {
    CAF_REQUIRE(i < sink->frames.size());
    return json::parse(sink->frames[i]);
  }

  json last_frame() const {
    CAF_REQUIRE(!sink->frames.empty());
    return frame(sink->frames.size() - 1);
  }

  std::shared_ptr<recording_sink> sink;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(connection_control_tests, control_fixture)

CAF_TEST(a v2 socket starts without specs and stays open) {
  open_v2(std::nullopt);
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "welcome");
  CAF_CHECK(frame(0)["clients"].empty());
  CAF_CHECK(!sink->closed);
}

CAF_TEST(subscribe answers once before the plugin starts and the next frame waits for it) {
  auto conn = open_v2(std::nullopt);
  caf::anon_send(conn, frame_atom::value, control("subscribe", "s1", {"s:1"}), false);
  caf::anon_send(conn, frame_atom::value, command("s:1", "right after"), false);
  expect((frame_atom, std::string, bool), from(_).to(conn)); // spawns and opens the plugin
  expect((frame_atom, std::string, bool), from(_).to(conn)); // waits for the reply
  auto plugin = fake_log().last;
  CAF_REQUIRE(plugin);
  expect((open_atom), from(conn).to(plugin));
  CAF_CHECK_EQUAL(sink->frames.size(), 1u); // welcome only: no reply before open answered
  expect((open_result), from(plugin).to(conn));
  auto reply = last_frame();
  CAF_CHECK_EQUAL(reply.value("type", ""), "ack");
  CAF_CHECK_EQUAL(reply.value("ref", ""), "s1");
  CAF_REQUIRE_EQUAL(reply["clients"].size(), 1u);
  CAF_CHECK_EQUAL(reply["clients"][0].value("ok", false), true);
  CAF_CHECK_EQUAL(reply["clients"][0].value("stream", ""), "s:1");
  CAF_CHECK_EQUAL(reply["clients"][0].value("strategy", ""), "pub-sub");
  CAF_CHECK(!fake_log().started); // its catch-up comes after the reply
  expect((start_atom), from(conn).to(plugin));
  expect((ok_atom), from(plugin).to(conn));
  expect((command_atom, std::string, std::string, std::string),
         from(conn).to(plugin).with(_, "send", _, R"({"text":"right after"})"));
}

CAF_TEST(unsubscribe answers once the plugin is down and the socket stays open) {
  auto conn = open_v2(R"([{"name":"fake","stream":"s:1"}])");
  auto plugin = fake_log().last;
  CAF_REQUIRE(fake_log().started);
  auto before = sink->frames.size();
  caf::anon_send(conn, frame_atom::value, control("unsubscribe", "u1", {"s:1"}), false);
  expect((frame_atom, std::string, bool), from(_).to(conn));
  expect((close_atom), from(conn).to(plugin)); // the fake quits on close
  CAF_CHECK_EQUAL(sink->frames.size(), before); // the connection has not seen it go
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), before + 1);
  auto reply = last_frame();
  CAF_CHECK_EQUAL(reply.value("type", ""), "ack");
  CAF_CHECK_EQUAL(reply.value("ref", ""), "u1");
  CAF_CHECK_EQUAL(reply["clients"][0].value("ok", false), true);
  CAF_CHECK(!sink->closed); // the last spec went: open and idle
  caf::anon_send(conn, frame_atom::value, command("s:1", "gone"), false);
  run();
  CAF_CHECK_EQUAL(last_frame().value("code", ""), "unknown_client");
  CAF_CHECK(fake_log().commands.empty());
}

CAF_TEST(a spec the socket has is refused and the first keeps working) {
  auto conn = open_v2(R"([{"name":"fake","stream":"s:1"}])");
  auto first = fake_log().last;
  caf::anon_send(conn, frame_atom::value, control("subscribe", "s2", {"s:1"}), false);
  run();
  CAF_CHECK_EQUAL(fake_log().last, first); // no second plugin
  auto reply = last_frame();
  CAF_CHECK_EQUAL(reply.value("ref", ""), "s2");
  CAF_CHECK_EQUAL(reply["clients"][0].value("ok", true), false);
  CAF_CHECK_EQUAL(reply["clients"][0].value("code", ""), "invalid_frame");
  caf::anon_send(conn, frame_atom::value, command("s:1", "still here"), false);
  run();
  CAF_CHECK_EQUAL(fake_log().commands, (std::vector<std::string>{R"(send {"text":"still here"})"}));
}

CAF_TEST(the spec limit counts the specs the socket already has) {
  auto conn = open_v2(R"([{"name":"fake","stream":"s:1"}])"); // the limit is 2
  caf::anon_send(conn, frame_atom::value, control("subscribe", "s3", {"s:2", "s:3"}), false);
  run();
  auto reply = last_frame();
  CAF_REQUIRE_EQUAL(reply["clients"].size(), 2u);
  CAF_CHECK_EQUAL(reply["clients"][0].value("ok", false), true);
  CAF_CHECK_EQUAL(reply["clients"][1].value("ok", true), false);
  CAF_CHECK_EQUAL(reply["clients"][1].value("code", ""), "too_large");
  // Room again once one goes.
  caf::anon_send(conn, frame_atom::value, control("unsubscribe", "u", {"s:1"}), false);
  caf::anon_send(conn, frame_atom::value, control("subscribe", "s4", {"s:3"}), false);
  run();
  reply = last_frame();
  CAF_CHECK_EQUAL(reply.value("ref", ""), "s4");
  CAF_CHECK_EQUAL(reply["clients"][0].value("ok", false), true);
}

CAF_TEST_FIXTURE_SCOPE_END()
