#pragma once
// The commands a Redis command actor took from its mailbox in one go,
// pipelined per connection: every queued command of a shard is written at
// once, the replies are read back in order, and each request then gets
// its own. One write, one wake-up of Redis and one read for a whole
// burst, instead of a round trip each. Used by redis_commands only.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "redis/lua_script.hpp"
#include "redis/redis_client.hpp"

namespace sb {

class command_pipeline {
public:
  using argv = std::vector<std::string>;
  using replies = std::vector<reply_ptr>;
  /// Gets the replies of an item's commands, in order; nullptr for each
  /// one lost with its connection (or never sent: Redis is away).
  using done_fn = std::function<void(replies&)>;
  /// Rewrites an item's command just before it is written: a deadline in
  /// its arguments must count from the write, and a batch for one shard
  /// may wait behind another shard's slow batch.
  using refresh_fn = std::function<void(argv&)>;

  /// Redis Cluster: sees each error reply of a run before its item does,
  /// with the shard, the command as written (EVALSHA for a script) and
  /// the script; true when it replaced the reply (a MOVED or ASK it
  /// followed to another node). The batch's WAIT does not count a command
  /// run elsewhere: the hook answers for that itself.
  using redirect_fn =
    std::function<bool(size_t shard, argv& cmd, const lua_script* s, reply_ptr& rep)>;

  explicit command_pipeline(size_t shards);

  /// Grows to `shards` queues (a cluster's links are added as met).
  void grow(size_t shards) {
    if (shards > shards_.size())
      shards_.resize(shards);
  }

  void on_redirect(redirect_fn f) { redirect_ = std::move(f); }

  /// Queues `commands` (run back to back, in order) on `shard`.
  void add(size_t shard, std::vector<argv> commands, done_fn done);

  /// Queues `EVALSHA s` with `keys` and `args` on `shard`. A connection that
  /// has not loaded `s` yet gets `SCRIPT LOAD` ahead of it in the same
  /// pipeline, so no EVALSHA of the batch fails with NOSCRIPT and has to
  /// be sent again behind the commands that followed it.
  void add_script(size_t shard, const lua_script& s, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args, done_fn done, refresh_fn refresh = {});

  /// Queues `command` on `shard`, a command whose reply counts what ran
  /// before it on the same connection (WAIT: the replicas that have this
  /// connection's writes so far). When a script ahead of it in the batch
  /// had to be sent again after the batch (NOSCRIPT), it is sent again
  /// too; when that happened on another connection, its reply is nullptr
  /// (it counts nothing of the first one's).
  void add_wait(size_t shard, argv command, done_fn done);

  size_t size() const { return size_; }
  size_t size(size_t shard) const { return shards_[shard].items.size(); }

  /// Sends what is queued for `shard` through `client` (which must be
  /// ready()) as one pipeline and calls each item's `done` in the order
  /// added. An item's `done` may run commands on `client` itself. False
  /// when the connection broke: every item without all its replies got
  /// nullptr for them.
  bool run(size_t shard, redis_client& client);

  /// Answers every item queued for `shard` with nullptr replies (Redis is
  /// away), in order.
  void fail(size_t shard);

private:
  struct item {
    std::vector<argv> commands;
    done_fn done;
    const lua_script* script = nullptr;
    refresh_fn refresh;
    bool counts_writes = false; ///< add_wait()
  };
  struct shard_queue {
    std::vector<item> items;
    /// Script SHA -> the client generation that loaded it.
    std::unordered_map<std::string, uint64_t> loaded;
  };

  /// A deque: grow() keeps the queue run() is working on in place (an
  /// item's refresh or a redirect can add a cluster link mid-run).
  std::deque<shard_queue> shards_;
  size_t size_ = 0;
  redirect_fn redirect_;
};

} // namespace sb
