// The proxy plugin (plugins/proxy) against a fake backend actor, one
// message at a time: a socket's hooks reach the backend one at a time and
// in order, close last; the open hook goes out once the socket joined the
// stream, so nothing is lost between the backend's state and live events;
// a hook the backend leaves unanswered fails the commands queued behind it
// at once; a refused open posts no close; a socket that closes while the
// backend decides still balances its open; the queue has a limit.
#define CAF_SUITE proxy
#include "tests/actors/fixture.hpp"

#include <nlohmann/json.hpp>

#include "core/event_codec.hpp"
#include "plugins/proxy.hpp"

using namespace sb;
using namespace sb::test;
using nlohmann::json;

namespace {

struct proxy_fixture : actor_fixture {
  proxy_fixture() : sink(std::make_shared<recording_sink>()) {
    auto plugins = std::make_shared<plugin_registry>();
    register_fake_plugins(*plugins);
    plugins->add({"votes", "vote",
                  proxy_factory(proxy_config{{"vote"}, std::chrono::seconds(5), 100})});
    node.plugins = plugins;
    backend = sys.spawn(fake_backend, std::string{"votes"});
    node.backend = backend;
    spawned.push_back(caf::actor_cast<caf::actor>(backend));
  }

  void open_socket() {
    connection_args args{"sock-1", sink, R"([{"name":"votes","stream":"s:1"}])",
                         std::string{"Ada"}, std::nullopt, std::nullopt};
    conn = sys.spawn(connection, std::make_shared<const node_context>(node), std::move(args));
    spawned.push_back(caf::actor_cast<caf::actor>(conn));
    sched.run(); // messages only: a run() would fire the hooks' timeouts
  }

  std::vector<json>& hooks() { return deref<fake_backend_state_actor>(backend).state.hooks; }

  /// The backend answers hook `i`.
  void answer(size_t i, uint16_t status, std::string body = "{}", std::string error = {}) {
    caf::anon_send(backend, answered_atom::value, uint64_t{i},
                   backend_response{status, std::move(body), std::move(error)});
    sched.run();
  }

  void vote(const std::string& ref) {
    caf::anon_send(conn, frame_atom::value,
                   json{{"client", "votes"}, {"stream", "s:1"}, {"event", "vote"}, {"ref", ref},
                        {"data", {{"n", ref}}}}
                     .dump(),
                   false);
    sched.run();
  }

  /// The socket's frames from `i` on, parsed.
  std::vector<json> frames_from(size_t i) const {
    std::vector<json> out;
    for (; i < sink->frames.size(); ++i)
      out.push_back(json::parse(sink->frames[i]));
    return out;
  }

  std::vector<std::string> hook_names() {
    std::vector<std::string> out;
    for (auto& h : hooks())
      out.push_back(h["hook"].get<std::string>()
                    + (h["event"].is_string() ? " " + h["event"].get<std::string>() : ""));
    return out;
  }

  std::shared_ptr<recording_sink> sink;
  backend_actor backend;
  connection_actor conn;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(proxy_tests, proxy_fixture)

CAF_TEST(hooks reach the backend one at a time in order and close comes last) {
  open_socket();
  CAF_REQUIRE_EQUAL(hook_names(), (std::vector<std::string>{"open"}));
  CAF_CHECK(sink->frames.empty()); // welcome waits for the backend
  answer(0, 200, R"({"reply":[{"event":"tally","data":{"n":0}}]})");
  auto opened = frames_from(0);
  CAF_REQUIRE_EQUAL(opened.size(), 2u);
  CAF_CHECK_EQUAL(opened[0].value("type", ""), "welcome");
  CAF_CHECK_EQUAL(opened[1].value("event", ""), "tally");
  vote("1");
  vote("2");
  caf::anon_send(conn, closing_atom::value, uint16_t{1000});
  sched.run();
  // The second command and the close wait for the first answer.
  CAF_CHECK_EQUAL(hook_names(), (std::vector<std::string>{"open", "message vote"}));
  CAF_CHECK_EQUAL(hooks()[1]["data"], (json{{"n", "1"}}));
  answer(1, 200);
  CAF_CHECK_EQUAL(hook_names(),
                  (std::vector<std::string>{"open", "message vote", "message vote"}));
  CAF_CHECK_EQUAL(hooks()[2]["data"], (json{{"n", "2"}}));
  CAF_CHECK(!sink->closed);
  answer(2, 200);
  CAF_CHECK_EQUAL(hook_names(), (std::vector<std::string>{"open", "message vote",
                                                          "message vote", "close"}));
  CAF_CHECK(!sink->closed); // the plugin waits for its close hook
  answer(3, 200);
  auto acks = frames_from(2);
  CAF_REQUIRE_EQUAL(acks.size(), 2u);
  CAF_CHECK_EQUAL(acks[0], (json{{"type", "ack"}, {"ref", "1"}}));
  CAF_CHECK_EQUAL(acks[1], (json{{"type", "ack"}, {"ref", "2"}}));
  CAF_REQUIRE(sink->closed);
  CAF_CHECK_EQUAL(sink->closed->first, 1000u);
}

CAF_TEST(the open hook goes out once joined so nothing falls between the state and live) {
  open_socket();
  CAF_REQUIRE_EQUAL(hook_names(), (std::vector<std::string>{"open"}));
  // Another socket's broadcast while the backend decides: held, not lost.
  caf::anon_send(broker, publish_atom::value, std::string{"s:1:votes"},
                 encode_published("tally", {}, R"({"n":1})"));
  sched.run();
  answer(0, 200, R"({"reply":[{"event":"tally","data":{"n":0}}]})");
  auto frames = frames_from(0);
  CAF_REQUIRE_EQUAL(frames.size(), 3u);
  CAF_CHECK_EQUAL(frames[0].value("type", ""), "welcome");
  CAF_CHECK_EQUAL(frames[1]["data"], (json{{"n", 0}})); // the backend's state
  CAF_CHECK_EQUAL(frames[2]["data"], (json{{"n", 1}})); // then what came meanwhile
}

CAF_TEST(a hook left unanswered fails the commands behind it at once but close still goes) {
  open_socket();
  answer(0, 200);
  auto before = sink->frames.size();
  vote("1");
  vote("2");
  vote("3");
  CAF_REQUIRE_EQUAL(hooks().size(), 2u);
  answer(1, 0, {}, "no answer within 5000 ms");
  auto errors = frames_from(before);
  CAF_REQUIRE_EQUAL(errors.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    CAF_CHECK_EQUAL(errors[i].value("ref", ""), std::to_string(i + 1));
    CAF_CHECK_EQUAL(errors[i].value("code", ""), "unavailable");
  }
  CAF_CHECK_EQUAL(errors[0].value("message", ""),
                  "the backend is unavailable (no answer within 5000 ms)");
  CAF_CHECK_EQUAL(errors[2].value("message", ""),
                  "the backend is unavailable (no answer within 5000 ms); not sent");
  CAF_CHECK_EQUAL(hooks().size(), 2u); // 2 and 3 never went
  caf::anon_send(conn, closing_atom::value, uint16_t{1000});
  sched.run();
  auto names = hook_names(); // CAF_CHECK_EQUAL keeps references past the statement
  CAF_CHECK_EQUAL(names.back(), "close");
}

CAF_TEST(a refused open is forbidden and posts no close) {
  open_socket();
  answer(0, 200, R"({"accept":false,"message":"members only"})");
  auto frames = frames_from(0);
  CAF_REQUIRE_EQUAL(frames.size(), 1u);
  CAF_CHECK_EQUAL(frames[0], (json{{"type", "error"}, {"client", "votes"}, {"stream", "s:1"},
                                   {"code", "forbidden"}, {"message", "members only"}}));
  CAF_REQUIRE(sink->closed);
  CAF_CHECK_EQUAL(sink->closed->first, 1008u);
  CAF_CHECK_EQUAL(hook_names(), (std::vector<std::string>{"open"}));
}

CAF_TEST(a socket that goes while the backend decides still sends close after open) {
  open_socket();
  caf::anon_send(conn, closed_atom::value, uint16_t{1006});
  sched.run();
  CAF_CHECK_EQUAL(hook_names(), (std::vector<std::string>{"open"}));
  answer(0, 200);
  CAF_CHECK_EQUAL(hook_names(), (std::vector<std::string>{"open", "close"}));
  answer(1, 200);
}

CAF_TEST(commands beyond the queue limit are refused without a hook) {
  open_socket();
  answer(0, 200);
  auto before = sink->frames.size();
  for (size_t i = 0; i <= max_queued_hooks + 1; ++i)
    vote(std::to_string(i));
  // One with the backend, max_queued_hooks waiting, the last one refused.
  CAF_CHECK_EQUAL(hooks().size(), 2u);
  auto refused = frames_from(before);
  CAF_REQUIRE_EQUAL(refused.size(), 1u);
  CAF_CHECK_EQUAL(refused[0].value("code", ""), "unavailable");
  CAF_CHECK_EQUAL(refused[0].value("ref", ""), std::to_string(max_queued_hooks + 1));
}

CAF_TEST_FIXTURE_SCOPE_END()
