// lean_actor (core/lean_actor.hpp): instances of one type share a single
// behavior whose handlers capture nothing, yet each message reaches the
// state of the instance it was sent to, also when the scheduler runs them
// in turns; and no instance is left marked as running once they ran.
#define CAF_SUITE lean_actor
#include "tests/actors/fixture.hpp"

#include <algorithm>

#include "core/lean_actor.hpp"

using namespace sb;
using namespace sb::test;

namespace {

using adder_actor = caf::typed_actor<caf::replies_to<int>::with<int>>;

struct adder_state {
  int base = 0;
  int seen = 0;
};

/// Answers n with base + n and counts what it answered.
adder_actor::behavior_type adder(lean_pointer<adder_actor, adder_state> self, int base) {
  using actor = std::remove_pointer_t<decltype(self)>;
  self->state.base = base;
  static const adder_actor::behavior_type shared{[](int n) {
    auto& st = actor::running();
    ++st.seen;
    return st.base + n;
  }};
  return shared;
}

/// Asks each of `to` for `n` and keeps the answers, in arrival order.
caf::behavior lean_asker(caf::event_based_actor* self, std::vector<adder_actor> to, int n,
                         std::shared_ptr<std::vector<int>> out) {
  for (auto& a : to)
    self->request(a, caf::infinite, n).then([out](int x) { out->push_back(x); });
  return {[](caf::unit_t) {}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(lean_actor_tests, actor_fixture)

CAF_TEST(each instance answers from its own state) {
  auto out = std::make_shared<std::vector<int>>();
  auto a = sys.spawn(adder, 100);
  auto b = sys.spawn(adder, 200);
  auto asking = sys.spawn(lean_asker, std::vector<adder_actor>{a, b, a, b}, 1, out);
  sched.run();
  std::sort(out->begin(), out->end());
  CAF_CHECK_EQUAL(*out, (std::vector<int>{101, 101, 201, 201}));
  using lean = std::remove_pointer_t<lean_pointer<adder_actor, adder_state>>;
  CAF_CHECK_EQUAL(caf::actor_cast<lean*>(a)->state.seen, 2);
  CAF_CHECK_EQUAL(caf::actor_cast<lean*>(b)->state.seen, 2);
}

CAF_TEST(no instance stays marked as running) {
  auto out = std::make_shared<std::vector<int>>();
  auto a = sys.spawn(adder, 1);
  auto asking = sys.spawn(lean_asker, std::vector<adder_actor>{a}, 1, out);
  sched.run();
  CAF_CHECK_EQUAL(out->size(), 1u);
  CAF_CHECK(sb::detail::lean_running == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
