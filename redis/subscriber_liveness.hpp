#pragma once
// Whether each Redis shard's subscriber of this node hears every channel
// this node listens to, right now. The subscriber actors write it (false
// from a lost connection until every channel is subscribed again); the
// command actors read it before a pub-sub send: published while this
// node's subscriber is away, a message would be acknowledged and still
// reach none of this node's sockets, so it is refused with `unavailable`.

#include <atomic>
#include <cstddef>
#include <memory>

namespace sb {

class subscriber_liveness {
public:
  explicit subscriber_liveness(size_t shards)
    : live_(std::make_unique<std::atomic<bool>[]>(shards)) {
    for (size_t i = 0; i < shards; ++i)
      live_[i].store(false);
  }

  void set(size_t shard, bool live) { live_[shard].store(live, std::memory_order_release); }
  bool live(size_t shard) const { return live_[shard].load(std::memory_order_acquire); }

private:
  std::unique_ptr<std::atomic<bool>[]> live_;
};

} // namespace sb
