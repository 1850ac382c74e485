#pragma once
// Asks many actors the same question and answers one request with what
// came back: how the admin actor lists sockets and the topic registry its
// topics. An actor that does not answer within the timeout (it closed
// meanwhile, or is stuck) is left out rather than holding up the answer.

#include <caf/typed_response_promise.hpp>
#include <chrono>
#include <memory>
#include <utility>
#include <vector>

namespace sb {

/// Asks every target `msg` and answers with `Out`, into which `add(out,
/// reply)` puts each reply that came back in time.
template <class Out, class Reply, class Self, class Handle, class Add, class... Ts>
caf::typed_response_promise<Out> gather_into(Self* self, const std::vector<Handle>& targets,
                                             std::chrono::milliseconds timeout, Add add,
                                             const Ts&... msg) {
  struct pending {
    caf::typed_response_promise<Out> promise;
    Out out;
    size_t left;
    void one_done() {
      if (--left == 0)
        promise.deliver(std::move(out));
    }
  };
  auto p = std::make_shared<pending>(
    pending{self->template make_response_promise<Out>(), {}, targets.size()});
  if (targets.empty()) {
    p->promise.deliver(Out{});
    return p->promise;
  }
  for (auto& t : targets)
    self->request(t, timeout, msg...)
      .then(
        [p, add](Reply& r) {
          add(p->out, std::move(r));
          p->one_done();
        },
        [p](caf::error&) { p->one_done(); });
  return p->promise;
}

/// One reply per target that answered in time.
template <class Reply, class Self, class Handle, class... Ts>
caf::typed_response_promise<std::vector<Reply>>
gather(Self* self, const std::vector<Handle>& targets, std::chrono::milliseconds timeout,
       const Ts&... msg) {
  return gather_into<std::vector<Reply>, Reply>(
    self, targets, timeout, [](std::vector<Reply>& out, Reply r) { out.push_back(std::move(r)); },
    msg...);
}

} // namespace sb
