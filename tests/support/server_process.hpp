#pragma once
// The real `switchboard` binary run as a child process on a free port, its
// stderr and stdout drained by a background thread into buffers tests query.
// SWITCHBOARD_TEST_BIN, when set, names another binary to run instead.
//
// The broker follows the run's mode (tests/support/broker_mode.hpp): in a
// redis-mode run every server gets `--broker=redis --redis.url=<the shared
// redis-server>` unless its args already choose a broker (`--broker...`).

#include "tests/support/child_process.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sb::test {

/// The server binary the tests run: SWITCHBOARD_TEST_BIN when set, else the
/// one this build made.
const char* server_binary();

class server_process {
public:
  enum class mode {
    /// Add --http.host/--http.port, wait for "listening on" and, with the
    /// Redis broker, for /readyz 200 (Redis connections are made after the
    /// listener opens; a socket served before that gets `unavailable`).
    listening,
    /// Like `listening` without waiting for /readyz (for a Redis that is down).
    listening_unready,
    /// Pass the given args (plus the run's broker) and return at once.
    raw,
  };

  /// Starts SWITCHBOARD_BIN; unless `raw`, throws (with the logs) when the
  /// server does not report listening (and ready) within `start_timeout`.
  explicit server_process(std::vector<std::string> args = {}, mode m = mode::listening,
                          std::chrono::milliseconds start_timeout = std::chrono::seconds(15),
                          const child_options& opts = {});
  /// SIGKILLs the server if it still runs, then reaps it.
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return child_->pid(); }
  /// The arguments the server was started with (without the binary).
  const std::vector<std::string>& args() const { return args_; }
  void signal(int sig);
  /// Exit status once the process ended within `timeout` (128 + signal number
  /// when killed by a signal); nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Everything written to stderr so far.
  std::string logs() const;
  /// The last `max_bytes` of stderr, for failure messages.
  std::string logs_tail(size_t max_bytes = 4000) const;
  /// Everything written to stdout so far.
  std::string out() const;
  /// Waits until stderr contains `needle`; false on timeout or exit.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout);

  /// A TCP port nobody listens on right now (bind 127.0.0.1:0, read, close).
  static uint16_t free_port() { return sb::test::free_port(); }

private:
  /// Worker mode: starts the worker and waits until the server saw it join.
  void start_worker(uint16_t admin_port, const child_options& opts,
                    std::chrono::steady_clock::time_point deadline);

  uint16_t port_ = 0;
  std::vector<std::string> args_;
  std::unique_ptr<child_process> child_;
  /// worker_mode(): the worker hosting this server's plugins; it goes first.
  std::unique_ptr<child_process> worker_;
};

} // namespace sb::test
