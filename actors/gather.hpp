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

template <class Reply, class Self, class Handle, class... Ts>
caf::typed_response_promise<std::vector<Reply>>
gather(Self* self, const std::vector<Handle>& targets, std::chrono::milliseconds timeout,
       const Ts&... msg) {
  struct pending {
    caf::typed_response_promise<std::vector<Reply>> promise;
    std::vector<Reply> replies;
    size_t left;
    void one_done() {
      if (--left == 0)
        promise.deliver(std::move(replies));
    }
  };
  auto p = std::make_shared<pending>(
    pending{self->template make_response_promise<std::vector<Reply>>(), {}, targets.size()});
  if (targets.empty()) {
    p->promise.deliver(std::vector<Reply>{});
    return p->promise;
  }
  p->replies.reserve(targets.size());
  for (auto& t : targets)
    self->request(t, timeout, msg...)
      .then(
        [p](Reply& r) {
          p->replies.push_back(std::move(r));
          p->one_done();
        },
        [p](caf::error&) { p->one_done(); });
  return p->promise;
}

} // namespace sb
