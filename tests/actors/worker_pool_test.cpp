// The worker pool (actors/worker_pool) with the worker actor
// (actors/worker): a plugin with `placement = worker` is placed by the
// connection on the pool, spawned by a joined worker and opened as any
// other; without a worker its spec gets `unavailable`; instances go to the
// least loaded worker; a worker that goes leaves the pool, and its load
// with it. Here the worker lives in the test's own actor system; the
// integration tests (tests/integration/worker_test.cpp) run real workers.
#define CAF_SUITE worker_pool
#include "tests/actors/fixture.hpp"

#include <nlohmann/json.hpp>

#include "actors/worker.hpp"
#include "actors/worker_pool.hpp"

using namespace sb;
using namespace sb::test;
using nlohmann::json;

namespace {

struct pool_fixture : actor_fixture {
  pool_fixture() : sink(std::make_shared<recording_sink>()) {
    auto plugins = std::make_shared<plugin_registry>();
    register_fake_plugins(*plugins);
    plugins->place_on_workers("fake");
    worker_plugins = plugins;
    node.plugins = plugins;
    pool = spawn_worker_pool(sys, std::chrono::seconds(4));
    node.workers = pool;
    spawned.push_back(caf::actor_cast<caf::actor>(pool));
  }

  worker_actor join_worker(const std::string& name) {
    auto w = spawn_worker(sys, worker_plugins);
    spawned.push_back(caf::actor_cast<caf::actor>(w));
    self->send(pool, join_atom::value, w, name);
    run();
    return w;
  }

  connection_actor open_socket(const std::string& id, const std::string& clients) {
    connection_args args{id, sink, clients, std::string{"Ada"}, std::nullopt, std::string{"2"}};
    auto conn = sys.spawn(connection, std::make_shared<const node_context>(node), std::move(args));
    spawned.push_back(caf::actor_cast<caf::actor>(conn));
    sched.run_once(); // its start: parses `clients`, asks the pool to place the plugins
    return conn;
  }

  std::vector<worker_report> reports() {
    std::vector<worker_report> out;
    auto rp = self->request(pool, caf::infinite, workers_atom::value);
    run();
    rp.receive([&](std::vector<worker_report>& r) { out = std::move(r); },
               [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return out;
  }

  json frame(size_t i) const {
    CAF_REQUIRE(i < sink->frames.size());
    return json::parse(sink->frames[i]);
  }

  std::shared_ptr<recording_sink> sink;
  std::shared_ptr<const plugin_registry> worker_plugins;
  worker_pool_actor pool;
};

const std::string fake_on_s1 = R"([{"name":"fake","stream":"s:1"}])";

} // namespace

CAF_TEST_FIXTURE_SCOPE(worker_pool_tests, pool_fixture)

CAF_TEST(a plugin placed on a worker is spawned there and opened) {
  auto w = join_worker("w1");
  auto conn = open_socket("sock-1", fake_on_s1);
  expect((place_atom, plugin_context), from(conn).to(pool));
  expect((host_atom, plugin_context), from(pool).to(w));
  expect((plugin_actor), from(w).to(pool));
  expect((plugin_actor), from(pool).to(conn));
  expect((open_atom), from(conn).to(fake_log().last));
  run();
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "welcome");
  CAF_CHECK(fake_log().started);
  auto r = reports();
  CAF_REQUIRE_EQUAL(r.size(), 1u);
  CAF_CHECK_EQUAL(r[0].name, "w1");
  CAF_CHECK_EQUAL(r[0].load, 1u);
  CAF_REQUIRE_EQUAL(r[0].hosted.size(), 1u);
  CAF_CHECK_EQUAL(r[0].hosted[0].plugin, "fake");
  CAF_CHECK_EQUAL(r[0].hosted[0].instances, 1u);
  // The instance ends with its socket, and the worker's load with it.
  self->send(conn, closed_atom::value, uint16_t{1006});
  run();
  r = reports();
  CAF_REQUIRE_EQUAL(r.size(), 1u);
  CAF_CHECK_EQUAL(r[0].load, 0u);
  CAF_CHECK(r[0].hosted.empty());
}

CAF_TEST(without a worker the spec is unavailable and the socket stays) {
  open_socket("sock-1", fake_on_s1);
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(frame(0).value("type", ""), "welcome");
  CAF_CHECK(frame(0)["clients"].empty());
  CAF_CHECK_EQUAL(frame(1).value("code", ""), "unavailable");
  CAF_CHECK_EQUAL(frame(1).value("client", ""), "fake");
  CAF_CHECK_EQUAL(frame(1).value("stream", ""), "s:1");
  CAF_CHECK_NOT_EQUAL(frame(1).value("message", "").find("no worker"), std::string::npos);
  CAF_CHECK(!sink->closed);
}

CAF_TEST(instances go to the least loaded worker) {
  join_worker("w1");
  join_worker("w2");
  open_socket("sock-1", R"([{"name":"fake","stream":"s:1"},{"name":"fake","stream":"s:2"},
                            {"name":"fake","stream":"s:3"}])");
  run();
  auto r = reports();
  CAF_REQUIRE_EQUAL(r.size(), 2u);
  CAF_CHECK_EQUAL(r[0].load + r[1].load, 3u);
  CAF_CHECK_LESS_OR_EQUAL(std::max(r[0].load, r[1].load), 2u);
  CAF_CHECK_GREATER_OR_EQUAL(std::min(r[0].load, r[1].load), 1u);
}

CAF_TEST(a worker that goes leaves the pool and new specs go elsewhere) {
  auto w1 = join_worker("w1");
  CAF_REQUIRE_EQUAL(reports().size(), 1u);
  caf::anon_send_exit(w1, caf::exit_reason::kill);
  run();
  CAF_CHECK(reports().empty());
  open_socket("sock-1", fake_on_s1);
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(frame(1).value("code", ""), "unavailable");
  // A worker that joins later takes the next spec, on a new socket as on
  // this one (a subscribe).
  join_worker("w2");
  sink->frames.clear();
  open_socket("sock-2", fake_on_s1);
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 1u);
  CAF_CHECK_EQUAL(frame(0)["clients"].size(), 1u);
  auto r = reports();
  CAF_REQUIRE_EQUAL(r.size(), 1u);
  CAF_CHECK_EQUAL(r[0].name, "w2");
  CAF_CHECK_EQUAL(r[0].load, 1u);
}

CAF_TEST(a worker without the plugin answers unavailable) {
  auto empty = std::make_shared<plugin_registry>();
  auto w = spawn_worker(sys, empty);
  spawned.push_back(caf::actor_cast<caf::actor>(w));
  self->send(pool, join_atom::value, w, std::string{"bare"});
  run();
  open_socket("sock-1", fake_on_s1);
  run();
  CAF_REQUIRE_EQUAL(sink->frames.size(), 2u);
  CAF_CHECK_EQUAL(frame(1).value("code", ""), "unavailable");
  CAF_CHECK_NOT_EQUAL(frame(1).value("message", "").find("has no fake plugin"),
                      std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
