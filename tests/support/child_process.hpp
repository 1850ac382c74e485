#pragma once
// A child process whose stdout and stderr a background thread drains into
// buffers that tests can query and wait on. Used for `switchboard`
// (server_process) and `redis-server` (redis_server).

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

/// Where and with what environment a child runs.
struct child_options {
  std::vector<std::string> env; ///< NAME=VALUE added to (or replacing in) ours
  std::vector<std::string> unset; ///< names removed from ours
  std::string cwd;              ///< working directory; empty: ours
};

class child_process {
public:
  enum class output { out, err };

  /// Forks and execs argv[0] with `argv` (stdin from /dev/null). The child
  /// gets SIGKILL when the test binary dies. Throws when fork/pipe fail.
  explicit child_process(std::vector<std::string> argv, const child_options& opts = {});
  /// SIGKILLs the process if it still runs, then reaps it.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// Sends `sig` unless the process has already been reaped.
  void signal(int sig);
  /// SIGKILL (if still running), then waits until it is reaped.
  void kill();
  /// Exit status once the process ended within `timeout` (128 + signal number
  /// when killed by a signal); nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// Everything written to `which` so far.
  std::string text(output which) const;
  /// The last `max_bytes` of `which`, for failure messages.
  std::string tail(output which, size_t max_bytes = 4000) const;
  /// Waits until `which` contains `needle`; false on timeout or exit.
  bool wait_for(output which, const std::string& needle, std::chrono::milliseconds timeout);

private:
  void drain(int out_fd, int err_fd);
  void reap();

  pid_t pid_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string stdout_;
  std::string stderr_;
  std::optional<int> exit_status_;
  std::thread drainer_;
};

/// A TCP port nobody listens on right now (bind 127.0.0.1:0, read, close).
uint16_t free_port();

} // namespace sb::test
