#pragma once
// What the Redis fault tests share: a node's arguments against a private
// redis-server (short backoff and timeouts, no rate limit), and chat sends
// and reads with their outcome and timing, so each test reads as the
// promise it checks.

#include "tests/support/chat_peer.hpp"
#include "tests/support/redis_server.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace sb::test {

/// `--broker=redis` on `redis` with node id `node`: redis.backoff-max
/// `backoff_max`, connect-timeout 500ms, command-timeout 1s, no rate limit;
/// `extra` is appended.
std::vector<std::string> redis_node_args(const redis_server& redis, const std::string& node,
                                         const std::string& backoff_max = "200ms",
                                         const std::vector<std::string>& extra = {});

/// The same without a server: `--broker=redis` and the timeouts, for a
/// caller that says where Redis is (sentinel mode, say).
std::vector<std::string> redis_tuning_args(const std::string& node,
                                           const std::string& backoff_max = "200ms");

/// A fresh chat stream on one node with a writer and a subscriber on each
/// strategy, so a test sees both delivery paths.
struct chat_room {
  chat_room(uint16_t port, ws_options opts = {})
    : stream(test_stream()),
      writer(port, stream, "streams", {}, opts),
      pub_writer(port, stream, "pub-sub", {}, opts),
      s1(port, stream, "streams", {}, opts),
      p1(port, stream, "pub-sub", {}, opts) {}

  std::string stream;
  chat_peer writer;     ///< sends on `streams`
  chat_peer pub_writer; ///< sends on `pub-sub` (refused while the node cannot hear)
  chat_peer s1;         ///< reads the stream
  chat_peer p1;         ///< reads the channel
};

/// The reply to one send: "ack" or the error code, the id of an ack, and
/// how long the reply took.
struct send_outcome {
  std::string kind;
  std::string id;
  std::chrono::milliseconds took{0};
};

/// Sends `text` with ref `ref` and reads until its ack or error (other
/// frames are dropped; each read waits at most the socket's timeout).
send_outcome send_and_wait(chat_peer& peer, const std::string& text, const std::string& ref);

/// Sends `texts` from `peer` with at most `window` unanswered; `before_send`
/// runs before each send with its index. Returns the outcome per text
/// (`took` unset).
std::vector<send_outcome> send_all(chat_peer& peer, const std::vector<std::string>& texts,
                                   size_t window,
                                   const std::function<void(size_t)>& before_send);

/// `<prefix>0` .. `<prefix><n-1>`.
std::vector<std::string> texts(const std::string& prefix, int n);

/// "ack" or the error code of the reply to `text` (ref = text).
std::string send_once(chat_peer& peer, const std::string& text, const std::string& ref);

/// Sends `<prefix><i>` for i = 0, 1, ... until `count` are acked or
/// `within` passed, as a client retries: each refusal must be `unavailable`
/// and is followed by a 20 ms pause. Returns the acked texts.
std::vector<std::string> send_until_acked(chat_peer& peer, const std::string& prefix,
                                          size_t count, std::chrono::milliseconds within);

/// Reads `peer`'s chat messages until `text` arrives; fails the test when
/// it does not (the socket's read timeout). Returns the texts seen.
std::vector<std::string> read_messages_until(chat_peer& peer, const std::string& text,
                                             const std::string& who);

/// Reads `peer`'s chat messages until the one with id `last_id`; returns
/// their ids in arrival order (fails the test when it does not come).
std::vector<std::string> read_ids_until(chat_peer& peer, const std::string& last_id,
                                        const std::string& who);

/// The ids stored in the Redis stream `key`, oldest first.
std::vector<std::string> stored_ids(redis_server& redis, const std::string& key);

} // namespace sb::test
