#pragma once
// `sb::request(self, dest, timeout, xs...)`: `self->request(...)` whose
// reply takes its timeout out of CAF's clock. Actors that ask something of
// another actor once per socket or per command use it (connections,
// plugins, topics).
//
// CAF 0.17 files each request's timeout in the clock (three allocations,
// about 90 B with a strong reference to the requester) and keeps it until
// it fires, whether or not the reply came. Opening one socket made six
// requests with 5 to 10 s timeouts: about 520 B of heap per socket that
// the idle benchmark still saw, and that glibc keeps in RSS once freed
// between live blocks (docs/internals.md). Here each handler first cancels
// its request's entry, so it lives as long as the request does.

#include <caf/detail/type_traits.hpp>
#include <caf/local_actor.hpp>
#include <caf/message_id.hpp>
#include <utility>

namespace sb {

namespace detail {

/// F behind the same parameters (CAF matches a reply by them), cancelling
/// the request's timeout first.
template <class F, class Params = typename caf::detail::get_callable_trait<F>::arg_types>
struct releasing;

template <class F, class... Ts>
struct releasing<F, caf::detail::type_list<Ts...>> {
  caf::local_actor* self;
  caf::message_id reply_id;
  F f;

  void operator()(Ts... xs) {
    self->clock().cancel_request_timeout(self, reply_id);
    f(std::forward<Ts>(xs)...);
  }
};

template <class Handle>
class released_handle {
public:
  explicit released_handle(Handle h) : h_(std::move(h)) {}

  /// Errors go to the actor's error handler, as with CAF's `then(f)`.
  template <class F>
  void then(F f) && {
    auto* self = h_.self();
    std::move(*this).then(std::move(f), [self](caf::error& err) { self->call_error_handler(err); });
  }

  template <class F, class G>
  void then(F f, G g) && {
    auto id = h_.id(); // already the reply's id, as the clock filed it
    caf::local_actor* self = h_.self();
    h_.then(releasing<F>{self, id, std::move(f)}, releasing<G>{self, id, std::move(g)});
  }

private:
  Handle h_;
};

} // namespace detail

template <class Self, class Dest, class Timeout, class... Ts>
auto request(Self* self, const Dest& dest, Timeout timeout, Ts&&... xs) {
  using handle = decltype(self->request(dest, timeout, std::forward<Ts>(xs)...));
  return detail::released_handle<handle>{self->request(dest, timeout, std::forward<Ts>(xs)...)};
}

} // namespace sb
