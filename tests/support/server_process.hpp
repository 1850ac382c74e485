#pragma once
// The real `switchboard` binary run as a child process on a free port, its
// stderr and stdout drained by a background thread into buffers tests query.

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sb::test {

class server_process {
public:
  enum class mode {
    listening, ///< add --http.host/--http.port and wait for "listening on"
    raw,       ///< pass exactly the given args and return at once
  };

  /// Starts SWITCHBOARD_BIN; in `listening` mode throws (with the logs) when
  /// the server does not report listening within `start_timeout`.
  explicit server_process(std::vector<std::string> args = {}, mode m = mode::listening,
                          std::chrono::milliseconds start_timeout = std::chrono::seconds(15));
  /// SIGKILLs the server if it still runs, then reaps it.
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
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
  static uint16_t free_port();

private:
  void spawn(const std::vector<std::string>& args);
  void drain(int out_fd, int err_fd);
  void reap();
  void stop();

  uint16_t port_ = 0;
  pid_t pid_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string stderr_;
  std::string stdout_;
  std::optional<int> exit_status_;
  std::thread drainer_;
};

} // namespace sb::test
