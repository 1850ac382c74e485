// The stream consumer (actors/stream_consumer) against a fake reader and a
// fake webhook, one message at a time: entries are posted one at a time
// and in order, each acknowledged only after a 2xx; a failure is retried
// after its backoff and, after max-attempts, buried with the last error;
// an entry deleted while pending is acknowledged without a post; a touch
// that finds the entries taken over lets the batch go, and a late answer
// for it acknowledges nothing; a key that is gone ends the consumer.
#define CAF_SUITE stream_consumer
#include "tests/actors/fixture.hpp"

#include <deque>

#include "actors/stream_consumer.hpp"
#include "core/consumer_rules.hpp"

using namespace sb;
using namespace sb::test;
using nlohmann::json;

namespace {

/// A reader whose takes answer the batches the test queued (then empty
/// ones), and which records acks, dead letters and touches.
struct fake_reader_state {
  std::deque<group_batch> batches;
  std::vector<std::string> calls; ///< "take", "ack <id>", "bury <id>", "touch"
  std::vector<std::vector<std::string>> buried;
  uint64_t held = 1; ///< what touch answers
};

/// `held`: what touch answers at first. (An argument also keeps CAF 0.17
/// from dereferencing the null tuple it keeps for a spawn without one,
/// which UBSan reports.)
consumer_reader_actor::behavior_type
fake_reader(consumer_reader_actor::stateful_pointer<fake_reader_state> self, uint64_t held) {
  self->state.held = held;
  return {
    [self](take_atom, const std::string&) {
      self->state.calls.push_back("take");
      if (self->state.batches.empty())
        return group_batch{};
      auto b = std::move(self->state.batches.front());
      self->state.batches.pop_front();
      return b;
    },
    [self](ack_atom, const std::string&, const std::string& id) {
      self->state.calls.push_back("ack " + id);
      return ok_atom::value;
    },
    [self](bury_atom, const std::string&, const std::string& id, std::vector<std::string>& f) {
      self->state.calls.push_back("bury " + id);
      self->state.buried.push_back(std::move(f));
      return ok_atom::value;
    },
    [self](touch_atom, const std::string&) {
      self->state.calls.push_back("touch");
      return self->state.held;
    },
  };
}

using fake_reader_actor = consumer_reader_actor::stateful_base<fake_reader_state>;

stream_entry entry(const std::string& id, int n) {
  return {id, {"event", "message", "data", json{{"n", n}}.dump()}};
}

struct consumer_fixture : actor_fixture {
  consumer_fixture() {
    reader = sys.spawn(fake_reader, uint64_t{1});
    backend = sys.spawn(fake_backend, std::string{"archive"});
    spawned.push_back(caf::actor_cast<caf::actor>(reader));
    spawned.push_back(caf::actor_cast<caf::actor>(backend));
  }

  void start(uint32_t max_attempts = 3) {
    stream_consumer_config cfg{"room:1:chat", "archive", "worker-a", "message", max_attempts,
                               std::chrono::milliseconds(100), std::chrono::seconds(3),
                               std::chrono::seconds(5)};
    consumer = sys.spawn(stream_consumer, cfg, reader, backend);
    spawned.push_back(caf::actor_cast<caf::actor>(consumer));
  }

  void queue(std::vector<stream_entry> entries) {
    state().batches.push_back(group_batch{false, std::move(entries)});
  }

  void wake() {
    caf::anon_send(consumer, wake_atom::value);
    sched.run(); // messages only: run() alone would not fire timers either
  }

  /// The webhook answers request `i`.
  void answer(size_t i, uint16_t status, std::string error = {}) {
    caf::anon_send(backend, answered_atom::value, uint64_t{i},
                   backend_response{status, "{}", std::move(error)});
    sched.run();
  }

  fake_reader_state& state() { return deref<fake_reader_actor>(reader).state; }
  std::vector<json>& posted() { return deref<fake_backend_state_actor>(backend).state.hooks; }
  std::vector<std::string> ids_posted() {
    std::vector<std::string> out;
    for (auto& p : posted())
      out.push_back(p["id"]);
    return out;
  }

  consumer_reader_actor reader;
  backend_actor backend;
  stream_consumer_actor consumer;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(stream_consumer_tests, consumer_fixture)

CAF_TEST(entries go one at a time in order and each is acked after a 2xx) {
  start();
  queue({entry("1-0", 1), entry("2-0", 2)});
  wake();
  CAF_REQUIRE_EQUAL(ids_posted(), (std::vector<std::string>{"1-0"})); // 2-0 waits for 1-0
  CAF_CHECK_EQUAL(posted()[0], json::parse(R"({"stream":"room:1","client":"chat","id":"1-0",
                                                "event":"message","data":{"n":1}})"));
  answer(0, 200);
  CAF_CHECK_EQUAL(ids_posted(), (std::vector<std::string>{"1-0", "2-0"}));
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "ack 1-0"}));
  answer(1, 204);
  // After the batch: another take, which finds nothing.
  CAF_CHECK_EQUAL(state().calls,
                  (std::vector<std::string>{"take", "ack 1-0", "ack 2-0", "take"}));
}

CAF_TEST(a failure is retried after its backoff and the last attempt is buried) {
  start(2);
  queue({entry("1-0", 1), entry("2-0", 2)});
  wake();
  answer(0, 500);
  CAF_CHECK_EQUAL(ids_posted().size(), 1u); // not at once: after retry-delay
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take"}));
  wake(); // a wake-up meanwhile changes nothing
  CAF_CHECK_EQUAL(ids_posted().size(), 1u);
  CAF_REQUIRE(sched.trigger_timeout()); // the retry timer (the touch timer is later)
  sched.run();
  CAF_REQUIRE_EQUAL(ids_posted(), (std::vector<std::string>{"1-0", "1-0"}));
  answer(1, 0, "connect: Connection refused");
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "bury 1-0"}));
  CAF_REQUIRE_EQUAL(state().buried.size(), 1u);
  auto& f = state().buried[0];
  CAF_CHECK_EQUAL(f, dead_letter_fields("room:1:chat", entry("1-0", 1), "worker-a", 2,
                                        "connect: Connection refused"));
  CAF_CHECK_EQUAL(ids_posted(), (std::vector<std::string>{"1-0", "1-0", "2-0"}));
}

CAF_TEST(an entry deleted while pending is acked without a post) {
  start();
  queue({stream_entry{"1-0", {}}, entry("2-0", 2)});
  wake();
  CAF_CHECK_EQUAL(ids_posted(), (std::vector<std::string>{"2-0"}));
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "ack 1-0"}));
}

CAF_TEST(a batch taken over by another worker is let go and a late answer acks nothing) {
  start();
  queue({entry("1-0", 1), entry("2-0", 2)});
  wake();
  state().held = 0; // another worker claimed them
  CAF_REQUIRE(sched.trigger_timeout()); // the touch timer
  sched.run();
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "touch"}));
  answer(0, 200); // the webhook answers the post that was under way
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "touch"}));
  CAF_CHECK_EQUAL(ids_posted().size(), 1u);
  wake(); // later: asks again (and gets what the reader has)
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "touch", "take"}));
}

CAF_TEST(a touch that finds the entries still held keeps the batch) {
  start();
  queue({entry("1-0", 1)});
  wake();
  CAF_REQUIRE(sched.trigger_timeout());
  sched.run();
  answer(0, 200);
  CAF_CHECK_EQUAL(state().calls, (std::vector<std::string>{"take", "touch", "ack 1-0", "take"}));
}

CAF_TEST(a key that is gone ends its consumer) {
  start();
  state().batches.push_back(group_batch{true, {}});
  self->monitor(consumer);
  wake();
  bool down = false;
  self->receive([&](caf::down_msg& dm) { down = dm.source == consumer.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(down);
}

CAF_TEST_FIXTURE_SCOPE_END()
