#include "tests/support/child_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace sb::test {

namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

} // namespace

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw_errno("bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

namespace {

/// Our environment with `opts` applied, as NAME=VALUE strings.
std::vector<std::string> child_environment(const child_options& opts) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    bool drop = false;
    for (auto& o : opts.env)
      drop = drop || name_of(o) == name_of(entry);
    for (auto& u : opts.unset)
      drop = drop || u == name_of(entry);
    if (!drop)
      out.push_back(entry);
  }
  out.insert(out.end(), opts.env.begin(), opts.env.end());
  return out;
}

} // namespace

child_process::child_process(std::vector<std::string> all, const child_options& opts) {
  if (all.empty()) throw std::invalid_argument("child_process: empty argv");
  // Build argv before fork: the child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  auto env = child_environment(opts);
  std::vector<char*> envp;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw_errno("pipe2");
  }
  pid_ = ::fork();
  if (pid_ < 0) throw_errno("fork");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlive a crashed test run
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0)
      ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    const char msg[] = "execv failed\n";
    auto ignored = ::write(2, msg, sizeof msg - 1);
    (void) ignored;
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  drainer_ = std::thread([this, o = out[0], e = err[0]] { drain(o, e); });
}

child_process::~child_process() {
  signal(SIGKILL);
  if (drainer_.joinable()) drainer_.join();
}

void child_process::kill() {
  signal(SIGKILL);
  if (drainer_.joinable()) drainer_.join();
}

// Runs on drainer_: copies both pipes into the buffers until EOF, so the
// child never blocks on a full pipe; then reaps it.
void child_process::drain(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char chunk[8192];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (auto& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      auto n = ::read(p.fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> guard(mutex_);
      if (n <= 0) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
      } else {
        (p.fd == err_fd ? stderr_ : stdout_).append(chunk, static_cast<size_t>(n));
      }
      changed_.notify_all();
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  reap();
}

// Waits for the child to exit without reaping it (WNOWAIT) so that signal()
// can never hit a recycled pid, then reaps under the lock.
void child_process::reap() {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0
         && errno == EINTR) {
  }
  std::lock_guard<std::mutex> guard(mutex_);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = exit_code(status);
  changed_.notify_all();
}

void child_process::signal(int sig) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (pid_ > 0 && !exit_status_) ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return exit_status_.has_value(); });
  return exit_status_;
}

std::string child_process::text(output which) const {
  std::lock_guard<std::mutex> guard(mutex_);
  return which == output::err ? stderr_ : stdout_;
}

std::string child_process::tail(output which, size_t max_bytes) const {
  std::lock_guard<std::mutex> guard(mutex_);
  const auto& s = which == output::err ? stderr_ : stdout_;
  if (s.size() <= max_bytes) return s;
  return "..." + s.substr(s.size() - max_bytes);
}

bool child_process::wait_for(output which, const std::string& needle,
                             std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto& s = which == output::err ? stderr_ : stdout_;
  return changed_.wait_for(lock, timeout, [&] {
    return s.find(needle) != std::string::npos || exit_status_.has_value();
  }) && s.find(needle) != std::string::npos;
}

} // namespace sb::test
