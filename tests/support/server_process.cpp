#include "tests/support/server_process.hpp"

#include "tests/support/broker_mode.hpp"
#include "tests/support/metrics.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#ifndef SWITCHBOARD_BIN
#error "SWITCHBOARD_BIN must name the server binary"
#endif

namespace sb::test {

namespace {

bool chooses_broker(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a.rfind("--broker", 0) == 0) return true;
  return false;
}

bool sets_admin_port(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a.rfind("--admin.port", 0) == 0) return true;
  return false;
}

/// The test run's own variables are no options: keep them out of the
/// server's warnings.
child_options without_test_variables(const child_options& opts) {
  auto env = opts;
  for (auto* name : {"SWITCHBOARD_TEST_BROKER", "SWITCHBOARD_TEST_BIN",
                     "SWITCHBOARD_TEST_SANITIZED", "SWITCHBOARD_TEST_PLACEMENT"})
    env.unset.push_back(name);
  return env;
}

bool uses_redis(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--broker=redis") return true;
  return false;
}

} // namespace

const char* server_binary() {
  // SWITCHBOARD_TEST_BIN runs the tests against another build, e.g. to
  // check that a new test fails on the binary from before a fix.
  const char* bin = std::getenv("SWITCHBOARD_TEST_BIN");
  return bin && *bin ? bin : SWITCHBOARD_BIN;
}

server_process::server_process(std::vector<std::string> args, mode m,
                               std::chrono::milliseconds start_timeout,
                               const child_options& opts) {
  if (m != mode::raw) {
    port_ = free_port();
    args.insert(args.begin(),
                {"--http.host=127.0.0.1", "--http.port=" + std::to_string(port_)});
  }
  if (!chooses_broker(args)) {
    auto broker = broker_args();
    args.insert(args.end(), broker.begin(), broker.end());
  }
  uint16_t admin_port = 0;
  if (m != mode::raw && worker_mode() && !sets_admin_port(args)) {
    admin_port = free_port();
    args.insert(args.end(), {"--admin.port=" + std::to_string(admin_port),
                             "--plugins.chat.placement=worker",
                             "--plugins.presence.placement=worker",
                             "--plugins.notifications.placement=worker"});
  }
  args_ = args;
  args.insert(args.begin(), server_binary());
  child_ = std::make_unique<child_process>(std::move(args), without_test_variables(opts));
  if (m == mode::raw) return;
  auto deadline = std::chrono::steady_clock::now() + start_timeout;
  std::string missing = "report 'listening on'";
  auto ready = [&] {
    if (m == mode::listening_unready || !uses_redis(args_))
      return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return wait_for_status(port_, "/readyz", 200, std::max(left, std::chrono::milliseconds(0)),
                           std::chrono::milliseconds(5))
           == 200;
  };
  if (wait_for_log("listening on", start_timeout)) {
    missing = "answer 200 on /readyz";
    if (ready()) {
      if (admin_port == 0)
        return;
      start_worker(admin_port, opts, deadline);
      missing = "see its worker join";
      if (worker_)
        return;
    }
  }
  // The destructor does not run when a constructor throws: clean up here.
  auto status = wait_exit(std::chrono::milliseconds(0));
  std::string what = "switchboard did not " + missing + " within "
                     + std::to_string(start_timeout.count()) + " ms ("
                     + (status ? "exit status " + std::to_string(*status) : "still running")
                     + "); stderr:\n" + logs_tail();
  child_.reset();
  throw std::runtime_error(what);
}

void server_process::start_worker(uint16_t admin_port, const child_options& opts,
                                  std::chrono::steady_clock::time_point deadline) {
  std::vector<std::string> args{server_binary(), "worker", "--join",
                                "127.0.0.1:" + std::to_string(admin_port)};
  auto worker = std::make_unique<child_process>(std::move(args), without_test_variables(opts));
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  left = std::max(left, std::chrono::milliseconds(0));
  if (wait_for_log("workers: worker ", left)
      && worker->wait_for(child_process::output::err, "joined the node at", left))
    worker_ = std::move(worker);
}

server_process::~server_process() = default;

void server_process::signal(int sig) {
  child_->signal(sig);
}

std::optional<int> server_process::wait_exit(std::chrono::milliseconds timeout) {
  return child_->wait_exit(timeout);
}

std::string server_process::logs() const {
  return child_->text(child_process::output::err);
}

std::string server_process::logs_tail(size_t max_bytes) const {
  return child_->tail(child_process::output::err, max_bytes);
}

std::string server_process::out() const {
  return child_->text(child_process::output::out);
}

bool server_process::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) {
  return child_->wait_for(child_process::output::err, needle, timeout);
}

} // namespace sb::test
