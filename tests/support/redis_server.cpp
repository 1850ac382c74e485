#include "tests/support/redis_server.hpp"
#include "tests/support/timed_socket.hpp"

#include <thread>

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace sb::test {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto start_timeout = 10s;

json to_json(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return r->integer;
    case REDIS_REPLY_NIL:
      return nullptr;
    case REDIS_REPLY_ARRAY: {
      json out = json::array();
      for (size_t i = 0; i < r->elements; ++i)
        out.push_back(to_json(r->element[i]));
      return out;
    }
    case REDIS_REPLY_ERROR:
      throw std::runtime_error("redis error: " + std::string(r->str, r->len));
    default:
      throw std::runtime_error("redis: unexpected reply type " + std::to_string(r->type));
  }
}

} // namespace

// --- redis_connection ---------------------------------------------------------

redis_connection::redis_connection(uint16_t port, std::chrono::milliseconds timeout) {
  ctx_ = redisConnectWithTimeout("127.0.0.1", port, to_timeval(timeout));
  if (ctx_ == nullptr || ctx_->err) {
    std::string why = ctx_ ? ctx_->errstr : "out of memory";
    if (ctx_) redisFree(ctx_);
    ctx_ = nullptr;
    throw std::runtime_error("redis connect to port " + std::to_string(port) + ": " + why);
  }
  redisSetTimeout(ctx_, to_timeval(timeout));
}

redis_connection::~redis_connection() {
  if (ctx_) redisFree(ctx_);
}

json redis_connection::command(const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
    redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
  if (r == nullptr) throw std::runtime_error(std::string("redis command failed: ") + ctx_->errstr);
  std::unique_ptr<redisReply, void (*)(void*)> owned(r, freeReplyObject);
  return to_json(r);
}

// --- redis_server -------------------------------------------------------------

redis_server::redis_server(redis_options opts) : opts_(std::move(opts)) {
  char dir[] = "/tmp/switchboard-redis-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  dir_ = dir;
  // free_port() can race with another process taking the port: retry then.
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::exception&) {
      bool in_use = logs().find("Address already in use") != std::string::npos;
      if (!in_use || attempt == 2) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw;
      }
    }
  }
}

redis_server::~redis_server() {
  conn_.reset();
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string redis_server::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

pid_t redis_server::pid() const {
  return child_ ? child_->pid() : -1;
}

bool redis_server::running() const {
  return child_ && !child_->wait_exit(0ms);
}

void redis_server::start() {
  if (child_) {
    old_logs_ += child_->text(child_process::output::out);
    child_.reset();
  }
  conn_.reset();
  std::vector<std::string> argv{redis_server_binary,
                                "--port", std::to_string(port_),
                                "--bind", "127.0.0.1",
                                "--dir", dir_,
                                "--logfile", "",
                                "--daemonize", "no",
                                "--save", ""};
  if (opts_.persistent) {
    argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    argv.insert(argv.end(), {"--appendonly", "no"});
  }
  argv.insert(argv.end(), opts_.extra_args.begin(), opts_.extra_args.end());
  child_ = std::make_unique<child_process>(std::move(argv));
  // Event-driven: the log line comes once the data is loaded and the port
  // is open. PING confirms it.
  if (!child_->wait_for(child_process::output::out, "Ready to accept connections",
                        start_timeout)) {
    auto status = child_->wait_exit(0ms);
    std::string what = "redis-server on port " + std::to_string(port_) + " did not get ready ("
                       + (status ? "exit status " + std::to_string(*status) : "still running")
                       + "); log:\n" + child_->tail(child_process::output::out)
                       + child_->tail(child_process::output::err);
    child_->kill();
    throw std::runtime_error(what);
  }
  auto pong = command({"PING"});
  if (pong != "PONG") throw std::runtime_error("redis-server answered PING with " + pong.dump());
}

void redis_server::kill9() {
  conn_.reset();
  if (child_) child_->kill();
}

void redis_server::stop() {
  conn_.reset();
  if (!child_) return;
  child_->signal(SIGTERM);
  if (!child_->wait_exit(5s)) child_->kill();
}

void redis_server::restart() {
  if (running()) throw std::logic_error("redis_server::restart: still running");
  start();
}

json redis_server::command(const std::vector<std::string>& argv) {
  if (!conn_) conn_ = std::make_unique<redis_connection>(port_);
  try {
    return conn_->command(argv);
  } catch (...) {
    // A broken connection is not reused; an error reply leaves it usable,
    // but a fresh one costs little.
    conn_.reset();
    throw;
  }
}

std::string redis_server::logs() const {
  return old_logs_ + (child_ ? child_->text(child_process::output::out)
                                 + child_->text(child_process::output::err)
                             : std::string());
}

bool redis_server::until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                         std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

} // namespace sb::test
