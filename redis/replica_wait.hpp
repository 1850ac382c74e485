#pragma once
// redis.wait-replicas = N on one shard of a Redis command actor: a post
// the actor pipelines there is answered only once N replicas hold it.
// Its script's reply is held until the shard's `WAIT N timeout` answers:
// one WAIT, queued after the last post of the shard's batch, in the same
// pipeline write on the same connection (command_pipeline::add_wait). It
// counts every write of that connection before it, so it answers for each
// post of the batch. One per batch, not one per post: WAIT blocks the
// connection, and with a replica missing, N WAITs in a row would each wait
// out the timeout (and the posts behind the first would miss their store
// deadline). Used by redis_commands only.

#include <chrono>
#include <string>
#include <vector>

#include "redis/command_pipeline.hpp"

namespace caf {
class error;
}

namespace sb {

class replica_wait {
public:
  /// Gets the error a stored post is answered with when the replicas did
  /// not confirm it.
  using short_fn = std::function<void(caf::error)>;

  /// `replicas`: N (0: no WAIT, hold() passes replies straight on).
  replica_wait(int replicas, std::chrono::milliseconds timeout);

  /// The `done` of a post's script: a failed script goes straight to
  /// `stored` (no WAIT can make it a success); a stored post waits for
  /// the WAIT, then goes to `stored` (confirmed) or `unreplicated`.
  command_pipeline::done_fn hold(command_pipeline::done_fn stored, short_fn unreplicated);

  /// Posts are held: queue a WAIT (command()) with release() as its done.
  bool holding() const { return !held_.empty(); }
  command_pipeline::argv command() const;
  command_pipeline::done_fn release();

private:
  struct held_post {
    command_pipeline::replies script; ///< empty until the script answered
    command_pipeline::done_fn stored;
    short_fn unreplicated;
  };
  /// Answers every held post from the WAIT's reply `rep`.
  void answer(const reply_ptr& rep);

  int replicas_;
  std::chrono::milliseconds timeout_;
  std::vector<held_post> held_;
};

} // namespace sb
