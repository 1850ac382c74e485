#include "redis/replica_wait.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/metrics.hpp"

namespace sb {

replica_wait::replica_wait(int replicas, std::chrono::milliseconds timeout)
  : replicas_(replicas), timeout_(std::max(timeout, std::chrono::milliseconds{1})) {
}

command_pipeline::done_fn replica_wait::hold(command_pipeline::done_fn stored,
                                             short_fn unreplicated) {
  if (replicas_ <= 0)
    return stored;
  auto slot = held_.size();
  held_.push_back(held_post{{}, std::move(stored), std::move(unreplicated)});
  return [this, slot](command_pipeline::replies& reps) {
    auto& post = held_[slot];
    if (!reps[0] || reply::is_error(reps[0].get())) {
      auto stored = std::move(post.stored);
      post.stored = nullptr; // answered: release() skips it
      return stored(reps);
    }
    post.script = std::move(reps);
  };
}

command_pipeline::argv replica_wait::command() const {
  return {"WAIT", std::to_string(replicas_), std::to_string(timeout_.count())};
}

command_pipeline::done_fn replica_wait::release() {
  return [this](command_pipeline::replies& reps) { answer(reps[0]); };
}

void replica_wait::answer(const reply_ptr& rep) {
  auto posts = std::move(held_);
  held_.clear();
  auto got = rep && !reply::is_error(rep.get()) ? reply::integer(rep.get()) : -1;
  auto n = std::to_string(replicas_);
  // The script ran: the entry is on the primary, and readers may see it.
  auto why = !rep ? "stored on the primary, but the connection was lost before " + n
                      + " replicas confirmed it: it may be delivered, or lost"
             : got < 0 ? "stored on the primary, but WAIT failed (" + reply::str(rep.get())
                           + "): it may be delivered, or lost"
                       : "stored on the primary but not replicated (" + std::to_string(got)
                           + " of " + n + " replicas confirmed within "
                           + std::to_string(timeout_.count())
                           + " ms): it may be delivered, or lost";
  for (auto& post : posts) {
    if (!post.stored)
      continue; // its script failed, and said so
    if (got >= replicas_) {
      post.stored(post.script);
      continue;
    }
    count(metrics::global().redis_wait_short);
    post.unreplicated(make_error(ec::unavailable, why));
  }
}

} // namespace sb
