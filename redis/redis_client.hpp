#pragma once
// One hiredis connection, owned by one detached actor: connect with a
// timeout, AUTH/SELECT, reconnect with capped exponential backoff and
// jitter, synchronous commands, and the append/flush/poll/read pieces the
// subscriber and stream listener need to wait on a socket and a mailbox at
// once. Every reply is checked; an I/O error drops the connection.
// An endpoint behind Redis Sentinel is resolved before each connect
// (redis/sentinel_resolver), checked with ROLE, and dropped as soon as the
// primary moves: every connection of the process follows a failover.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/redis_url.hpp"

struct redisContext;
struct redisReply;

namespace sb {

class sentinel_resolver;

struct reply_deleter {
  void operator()(redisReply* r) const;
};

using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// How long a detached Redis actor (subscriber, stream listener, consumer
/// reader) waits on its socket before it looks at its mailbox again: what
/// a subscribe or a stop may wait, against wake-ups while all is quiet.
inline constexpr std::chrono::milliseconds mailbox_poll_interval{5};

struct redis_timeouts {
  std::chrono::milliseconds connect{1000};
  std::chrono::milliseconds command{2000};
  std::chrono::milliseconds backoff_max{5000};
};

class redis_client {
public:
  using clock = std::chrono::steady_clock;

  redis_client(redis_endpoint endpoint, redis_timeouts timeouts, std::string name);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  bool connected() const { return ctx_ != nullptr; }

  /// Connects unless connected or still backing off. True when connected.
  bool ensure_connected();

  /// Sends one command and waits for its reply (bounded by the command
  /// timeout). nullptr when the connection failed; it is then dropped.
  /// A connection idle for a while, or any connection after another one of
  /// this process lost its Redis, is checked with PING first: after a
  /// Redis restart it is dead, and the command goes to a new one instead.
  reply_ptr command(const std::vector<std::string>& argv);

  /// PINGs the connection (reconnecting if needed); true when Redis answers.
  bool check();

  /// Connected, and checked with PING first when suspect (as command()
  /// does): what a batch of pipelined commands needs before it is written.
  bool ready();

  /// Pipelining: writes every command in one go, then reads the replies in
  /// order, each bounded by the command timeout. Reply i answers command i;
  /// when the connection breaks (or was never up), that reply and every
  /// later one are nullptr and the connection is dropped. Redis may have
  /// run some of the commands whose replies were lost, as with command().
  std::vector<reply_ptr> pipeline(const std::vector<std::vector<std::string>>& commands);

  /// Successful connects so far: a change means a new connection, which
  /// knows none of the Lua scripts an older one had loaded, and whose WAIT
  /// counts none of the older one's writes. A Sentinel failover moves it
  /// (ready() leaves the old primary and connects to the new one).
  uint64_t generation() const { return generation_; }

  /// Queues a command without waiting for its reply.
  bool append(const std::vector<std::string>& argv);

  /// Writes everything appended. False (and disconnected) on error.
  bool flush();

  /// Waits up to `timeout` for data and reads what arrived; the replies are
  /// then taken with next_reply(). False (and disconnected) on error/EOF.
  bool wait_readable(std::chrono::milliseconds timeout, bool& readable);

  /// The socket, for one poll() over several connections (then
  /// wait_readable() with no timeout on those with data); -1 when not
  /// connected.
  int fd() const;

  /// The next complete reply already read, or nullptr. `failed` is set on a
  /// protocol error (and the connection is dropped).
  reply_ptr next_reply(bool& failed);

  /// wait_readable(), then every complete reply to `each`, in order. False
  /// (and disconnected) when the connection broke.
  bool read_replies(std::chrono::milliseconds timeout,
                    const std::function<void(const redisReply*)>& each);

  /// Drops the connection; the next ensure_connected() waits out the backoff.
  void disconnect(const std::string& why);

  /// Drops a connection whose Redis refused what it is for (an error reply
  /// to SUBSCRIBE, say). It backs off like a failed attempt, growing over
  /// consecutive refusals until accepted(): reconnecting works every time,
  /// so an immediate retry would loop.
  void refused(const std::string& why);

  /// The connection does what it is for again: refusals start over.
  void accepted() { refused_delay_ = std::chrono::milliseconds{0}; }

  const redis_endpoint& endpoint() const { return endpoint_; }

  /// Redis' clock minus ours in ms, measured with TIME when the connection
  /// was made: deadlines that Lua scripts check go in Redis' clock.
  int64_t clock_offset_ms() const { return clock_offset_ms_; }

private:
  /// Sentinel mode: where the primary is now, before connecting.
  bool resolve(std::string& host, int& port);
  /// Sentinel mode: the server we reached must be a master (ROLE); a
  /// replica (a demoted primary, a stale answer) sends us asking again.
  bool verify_primary();
  /// Sentinel mode: the primary moved since this connection (or attempt).
  bool primary_moved() const;
  /// Drops a connection to a primary that moved; true if it did.
  bool leave_old_primary();
  bool handshake();
  bool measure_clock();
  reply_ptr raw_command(const std::vector<std::string>& argv);

  /// Working connections of this process that broke so far. The subscriber
  /// and the stream listener block on their sockets and notice a Redis
  /// restart at once; an idle command connection notices nothing until it
  /// writes. Reading this count tells it to check first.
  static std::atomic<uint64_t>& losses();

  /// Connections of this process to `endpoint` that succeeded so far. A
  /// connection backing off retries at once when this moves: Redis answers
  /// again, and the subscriber must not wait out seconds of backoff while
  /// command connections already publish into channels nobody here hears.
  static std::atomic<uint64_t>& successes(const redis_endpoint& endpoint);

  redis_endpoint endpoint_;
  redis_timeouts timeouts_;
  std::string name_;
  redisContext* ctx_ = nullptr;
  clock::time_point next_attempt_{};
  std::chrono::milliseconds delay_{0};
  std::chrono::milliseconds refused_delay_{0}; ///< the backoff of the last refusal
  bool ever_connected_ = false;
  bool down_logged_ = false;
  clock::time_point last_used_{};
  uint64_t losses_seen_ = 0; ///< losses() when this connection last checked
  std::atomic<uint64_t>& successes_;  ///< successes(endpoint_)
  uint64_t successes_seen_ = 0;       ///< successes_ when the last attempt failed
  int64_t clock_offset_ms_ = 0;
  sentinel_resolver* resolver_ = nullptr; ///< sentinel mode only
  uint64_t primary_generation_ = 0;       ///< the resolver's, at the last attempt
  std::string address_;                   ///< host:port reached (sentinel mode)
  uint64_t generation_ = 0;
};

/// Helpers to read replies without touching hiredis types elsewhere.
namespace reply {
bool is_error(const redisReply* r);
bool is_nil(const redisReply* r);
bool is_array(const redisReply* r);
size_t size(const redisReply* r);
const redisReply* at(const redisReply* r, size_t i);
std::string str(const redisReply* r);
long long integer(const redisReply* r);
} // namespace reply

} // namespace sb
