// sb::request (core/request.hpp): a reply, value or error (to its own
// handler or the actor's error handler), takes its request's timeout out
// of the clock at once, where CAF 0.17 keeps it until it fires; a request
// that gets no reply still times out.
#define CAF_SUITE request
#include "tests/actors/fixture.hpp"

#include "core/request.hpp"

using namespace sb;
using namespace sb::test;

namespace {

using echo_actor = caf::typed_actor<caf::replies_to<int>::with<int>>;

/// Answers n with n; refuses a negative n; never answers `silent`. (A
/// function actor of CAF 0.17 without arguments reads a null tuple.)
echo_actor::behavior_type echo(int silent) {
  return {[silent](int n) -> caf::result<int> {
    if (n < 0)
      return make_error(ec::too_large, "negative");
    if (n == silent)
      return caf::delegated<int>{};
    return n;
  }};
}

struct outcome {
  std::vector<int> values;
  std::vector<caf::error> errors;
};

/// Asks `to` for each of `ns` with a 10 s timeout, through sb::request
/// (released) or CAF's own request.
caf::behavior asker(caf::event_based_actor* self, echo_actor to, std::vector<int> ns,
                    bool released, std::shared_ptr<outcome> out) {
  for (auto n : ns) {
    auto on_value = [out](int x) { out->values.push_back(x); };
    auto on_error = [out](caf::error& err) { out->errors.push_back(std::move(err)); };
    if (released)
      sb::request(self, to, std::chrono::seconds(10), n).then(on_value, on_error);
    else
      self->request(to, std::chrono::seconds(10), n).then(on_value, on_error);
  }
  return {[](caf::unit_t) {}};
}

/// Asks `to` for `n` with only a value handler: an error goes to the
/// actor's error handler, as with CAF's then(f).
caf::behavior one_handed_asker(caf::event_based_actor* self, echo_actor to, int n,
                               std::shared_ptr<outcome> out) {
  self->set_error_handler(
    [out](caf::scheduled_actor*, caf::error& err) { out->errors.push_back(std::move(err)); });
  sb::request(self, to, std::chrono::seconds(10), n).then([out](int x) {
    out->values.push_back(x);
  });
  return {[](caf::unit_t) {}};
}

struct request_fixture : actor_fixture {
  /// Timeouts filed since the fixture started (its own actors may keep some).
  size_t pending_timeouts() {
    return sched.clock().schedule().size() - before;
  }

  size_t before = sched.clock().schedule().size();
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(request_tests, request_fixture)

CAF_TEST(a reply takes its timeout out of the clock) {
  auto out = std::make_shared<outcome>();
  auto to = sys.spawn(echo, 0);
  auto asking = sys.spawn(asker, to, std::vector<int>{1, 2, -1}, true, out);
  sched.run(); // messages only: the fixture's run() also fires timeouts
  CAF_CHECK_EQUAL(out->values, (std::vector<int>{1, 2}));
  CAF_REQUIRE_EQUAL(out->errors.size(), 1u);
  CAF_CHECK(to_ec(out->errors[0]) == ec::too_large);
  CAF_CHECK_EQUAL(pending_timeouts(), 0u);
}

CAF_TEST(an error without its own handler goes to the actor error handler) {
  auto out = std::make_shared<outcome>();
  auto to = sys.spawn(echo, 0);
  auto asking = sys.spawn(one_handed_asker, to, -1, out);
  sched.run();
  CAF_CHECK(out->values.empty());
  CAF_REQUIRE_EQUAL(out->errors.size(), 1u);
  CAF_CHECK(to_ec(out->errors[0]) == ec::too_large);
  CAF_CHECK_EQUAL(pending_timeouts(), 0u);
}

CAF_TEST(caf own request keeps the timeout after the reply) {
  // What sb::request is for: without it every answered request stays filed.
  auto out = std::make_shared<outcome>();
  auto to = sys.spawn(echo, 0);
  auto asking = sys.spawn(asker, to, std::vector<int>{1, 2, -1}, false, out);
  sched.run();
  CAF_CHECK_EQUAL(out->values, (std::vector<int>{1, 2}));
  CAF_CHECK_EQUAL(pending_timeouts(), 3u);
}

CAF_TEST(an unanswered request still times out) {
  auto out = std::make_shared<outcome>();
  auto to = sys.spawn(echo, 0);
  auto asking = sys.spawn(asker, to, std::vector<int>{5, 0}, true, out);
  sched.run();
  CAF_CHECK_EQUAL(out->values, (std::vector<int>{5}));
  CAF_CHECK_EQUAL(pending_timeouts(), 1u);
  sched.trigger_timeouts();
  sched.run();
  CAF_REQUIRE_EQUAL(out->errors.size(), 1u);
  CAF_CHECK(out->errors[0] == caf::sec::request_timeout);
  CAF_CHECK_EQUAL(pending_timeouts(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
