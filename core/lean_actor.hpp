#pragma once
// A stateful CAF actor whose handlers are shared by every instance of its
// type. CAF 0.17 builds a behavior for each actor it spawns: the handlers,
// a table of their types and what they capture, 200 to 290 B on the heap
// for a plugin or a connection (docs/internals.md). Here one behavior per
// type is built once; its handlers capture nothing and reach the state
// they run for through running(), which resume() sets for the thread while
// this actor handles its messages.
//
// Spawned like any function-based actor: the function's first parameter
// is a lean_actor pointer, and CAF spawns that class. Response handlers
// (`then`) are made per request and may capture the state as before.

#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
#include <caf/stateful_actor.hpp>
#include <cassert>
#include <utility>

namespace sb {

namespace detail {
/// The lean actor whose messages this thread handles now, if any.
inline thread_local void* lean_running = nullptr;
} // namespace detail

template <class State, class Base>
class lean_actor : public caf::stateful_actor<State, Base> {
public:
  using super = caf::stateful_actor<State, Base>;
  using super::super;

  /// The state of the instance handling a message on this thread. Only
  /// for the handlers of this type's shared behavior, which only run there.
  static State& running() {
    assert(detail::lean_running != nullptr);
    return static_cast<lean_actor*>(detail::lean_running)->state;
  }

  caf::resumable::resume_result resume(caf::execution_unit* ctx, size_t max) override {
    // Saved and restored: a test scheduler may run one actor inside another.
    auto outer = std::exchange(detail::lean_running, static_cast<void*>(this));
    auto result = super::resume(ctx, max);
    detail::lean_running = outer;
    return result;
  }
};

/// The self pointer of a lean actor with interface `Handle`.
template <class Handle, class State>
using lean_pointer = lean_actor<State, typename Handle::base>*;

} // namespace sb
