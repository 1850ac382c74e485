#pragma once
// A private `redis-server` for tests: a free port on 127.0.0.1, a temp
// directory, no persistence unless asked; started and stopped by the test
// (SIGKILL and restart on the same port and directory included), plus a
// small synchronous client to inspect what the server under test stored.

#include "tests/support/child_process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct redisContext;

namespace sb::test {

/// The Debian package's server; `--sentinel` makes it a sentinel.
inline constexpr const char* redis_server_binary = "/usr/bin/redis-server";

/// One blocking hiredis connection. Replies come back as JSON: strings and
/// status replies as strings, integers as numbers, nil as null, arrays as
/// arrays; an error reply or a broken connection throws.
class redis_connection {
public:
  explicit redis_connection(uint16_t port,
                            std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  nlohmann::json command(const std::vector<std::string>& argv);

private:
  redisContext* ctx_ = nullptr;
};

struct redis_options {
  /// `--appendonly yes --appendfsync always`: every acknowledged write
  /// survives a SIGKILL. Off: `--save "" --appendonly no`.
  bool persistent = false;
  std::vector<std::string> extra_args;
};

class redis_server {
public:
  /// Starts redis-server and returns once it answers PING; throws (with its
  /// log) when it does not within 10 s.
  explicit redis_server(redis_options opts = {});
  /// stop(), then removes the directory.
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  uint16_t port() const { return port_; }
  /// "redis://127.0.0.1:<port>", for --redis.url.
  std::string url() const;
  const std::string& dir() const { return dir_; }
  pid_t pid() const;
  bool running() const;

  /// SIGKILL, and wait until the process is gone.
  void kill9();
  /// SIGTERM; SIGKILL if it has not exited after 5 s.
  void stop();
  /// Starts it again on the same port with the same directory (and so, when
  /// persistent, the same data); returns once it answers PING.
  void restart();

  /// Runs one command on a connection kept open between calls.
  nlohmann::json command(const std::vector<std::string>& argv);

  /// Checks `pred` (commands on this server, say) every `interval` until it
  /// holds or `timeout` passes: for state only polling shows (XPENDING).
  bool until(const std::function<bool()>& pred,
             std::chrono::milliseconds timeout = std::chrono::seconds(5),
             std::chrono::milliseconds interval = std::chrono::milliseconds(20));

  /// The log of every run so far.
  std::string logs() const;

private:
  void start();

  redis_options opts_;
  uint16_t port_ = 0;
  std::string dir_;
  std::string old_logs_;
  std::unique_ptr<child_process> child_;
  std::unique_ptr<redis_connection> conn_;
};

} // namespace sb::test
