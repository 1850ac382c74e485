#include "redis/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <map>
#include <mutex>
#include <poll.h>
#include <random>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "redis/sentinel_resolver.hpp"

namespace sb {

void reply_deleter::operator()(redisReply* r) const {
  freeReplyObject(r);
}

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::vector<const char*> argv_ptrs(const std::vector<std::string>& argv,
                                   std::vector<size_t>& lens) {
  std::vector<const char*> ptrs;
  ptrs.reserve(argv.size());
  lens.clear();
  for (auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return ptrs;
}

} // namespace

redis_client::redis_client(redis_endpoint endpoint, redis_timeouts timeouts, std::string name)
  : endpoint_(std::move(endpoint)),
    timeouts_(timeouts),
    name_(std::move(name)),
    successes_(successes(endpoint_)) {
  if (endpoint_.via_sentinel())
    resolver_ = &sentinel_resolver::of(endpoint_);
}

redis_client::~redis_client() {
  if (ctx_)
    redisFree(ctx_);
}

bool redis_client::ensure_connected() {
  if (ctx_)
    return true;
  auto now = clock::now();
  if (now < next_attempt_ && successes_.load(std::memory_order_acquire) == successes_seen_
      && !primary_moved())
    return false;
  auto host = endpoint_.host;
  auto port = endpoint_.port;
  if (!resolve(host, port))
    return false;
  auto tv = to_timeval(timeouts_.connect);
  ctx_ = endpoint_.unix_path.empty() ? redisConnectWithTimeout(host.c_str(), port, tv)
                                     : redisConnectUnixWithTimeout(endpoint_.unix_path.c_str(), tv);
  if (ctx_ == nullptr || ctx_->err) {
    disconnect(ctx_ ? ctx_->errstr : "out of memory");
    return false;
  }
  redisSetTimeout(ctx_, to_timeval(timeouts_.command));
  redisEnableKeepAlive(ctx_);
  if (!handshake() || !verify_primary())
    return false;
  successes_.fetch_add(1, std::memory_order_release);
  if (ever_connected_) {
    count(metrics::global().broker_reconnects);
    log::info("redis", name_, " reconnected to ", endpoint_.describe(), address_);
  }
  ever_connected_ = true;
  ++generation_;
  down_logged_ = false;
  delay_ = std::chrono::milliseconds{0};
  last_used_ = clock::now();
  return true;
}

bool redis_client::resolve(std::string& host, int& port) {
  if (!resolver_)
    return true;
  auto primary = resolver_->primary(timeouts_);
  primary_generation_ = primary ? primary->generation : resolver_->generation();
  if (!primary) {
    disconnect("no sentinel knows the primary");
    return false;
  }
  host = primary->host;
  port = primary->port;
  address_ = " at " + host + ":" + std::to_string(port);
  return true;
}

bool redis_client::verify_primary() {
  if (!resolver_)
    return true;
  auto r = raw_command({"ROLE"});
  if (r && reply::str(reply::at(r.get(), 0)) == "master")
    return true;
  if (r) // else the connection broke, and is dropped already
    disconnect(address_.substr(4) + " is no master (ROLE " + reply::str(reply::at(r.get(), 0))
               + ")");
  return false;
}

bool redis_client::primary_moved() const {
  return resolver_ && resolver_->generation() != primary_generation_;
}

bool redis_client::leave_old_primary() {
  if (!ctx_ || !primary_moved())
    return false;
  disconnect("the primary moved");
  return true;
}

bool redis_client::handshake() {
  if (!endpoint_.password.empty()) {
    auto r = raw_command({"AUTH", endpoint_.password});
    if (!r || reply::is_error(r.get())) {
      disconnect("AUTH failed");
      return false;
    }
  }
  if (endpoint_.db != 0) {
    auto r = raw_command({"SELECT", std::to_string(endpoint_.db)});
    if (!r || reply::is_error(r.get())) {
      disconnect("SELECT failed");
      return false;
    }
  }
  if (!measure_clock())
    return false;
  auto r = raw_command({"CLIENT", "SETNAME", "switchboard-" + name_});
  return r != nullptr;
}

bool redis_client::measure_clock() {
  using namespace std::chrono;
  auto wall_ms = [] {
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  };
  auto before = wall_ms();
  auto r = raw_command({"TIME"});
  if (!r)
    return false;
  auto after = wall_ms();
  if (reply::size(r.get()) == 2) // [seconds, microseconds], halfway through the round trip
    clock_offset_ms_ = reply::integer(reply::at(r.get(), 0)) * 1000
                       + reply::integer(reply::at(r.get(), 1)) / 1000 - (before + after) / 2;
  return true;
}

void redis_client::disconnect(const std::string& why) {
  successes_seen_ = successes_.load(std::memory_order_acquire);
  if (resolver_) // maybe it failed over: ask the sentinels again (once moved, a no-op)
    resolver_->stale(primary_generation_);
  bool was_up = ctx_ != nullptr && ever_connected_;
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  if (was_up)
    losses().fetch_add(1, std::memory_order_release);
  if (was_up && delay_.count() == 0) {
    // A working connection broke (say, Redis restarted): try again at once;
    // only failed attempts back off.
    next_attempt_ = clock::now();
    log::warning("redis", name_, " lost ", endpoint_.describe(), ": ", why);
    down_logged_ = true;
    delay_ = std::chrono::milliseconds{1};
    return;
  }
  if (!down_logged_) {
    log::warning("redis", name_, " lost ", endpoint_.describe(), ": ", why);
    down_logged_ = true;
  }
  // Capped exponential backoff with jitter, so that a fleet of nodes does
  // not reconnect in lockstep when Redis comes back.
  thread_local std::mt19937 rng{std::random_device{}()};
  delay_ = std::min(timeouts_.backoff_max,
                    std::max(std::chrono::milliseconds{100}, delay_ * 2));
  std::uniform_int_distribution<long> jitter(delay_.count() / 2, delay_.count());
  next_attempt_ = clock::now() + std::chrono::milliseconds{jitter(rng)};
}

void redis_client::refused(const std::string& why) {
  delay_ = refused_delay_;
  disconnect(why);
  refused_delay_ = delay_;
}

std::atomic<uint64_t>& redis_client::losses() {
  static std::atomic<uint64_t> count{0};
  return count;
}

std::atomic<uint64_t>& redis_client::successes(const redis_endpoint& endpoint) {
  // Counters are never erased: a node talks to a handful of endpoints.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>> counters;
  auto name = endpoint.describe() + "/" + std::to_string(endpoint.db);
  std::lock_guard<std::mutex> guard{mutex};
  auto& counter = counters[name];
  if (!counter)
    counter = std::make_unique<std::atomic<uint64_t>>(0);
  return *counter;
}

reply_ptr redis_client::command(const std::vector<std::string>& argv) {
  ready();
  return raw_command(argv);
}

bool redis_client::ready() {
  constexpr auto idle_check = std::chrono::seconds(1);
  auto losses_now = losses().load(std::memory_order_acquire);
  bool suspect = losses_now != losses_seen_ || clock::now() - last_used_ > idle_check;
  losses_seen_ = losses_now;
  if (leave_old_primary()) // a failover: a new connection (and generation) at once
    return ensure_connected();
  if (ctx_ && suspect && !check())
    return ensure_connected();
  return ctx_ != nullptr || ensure_connected();
}

std::vector<reply_ptr>
redis_client::pipeline(const std::vector<std::vector<std::string>>& commands) {
  std::vector<reply_ptr> replies(commands.size());
  for (auto& argv : commands)
    if (!append(argv))
      return replies;
  if (!ctx_)
    return replies;
  last_used_ = clock::now();
  for (auto& r : replies) {
    void* out = nullptr;
    // The first call writes the whole output buffer, then each one reads.
    if (redisGetReply(ctx_, &out) != REDIS_OK || out == nullptr) {
      disconnect(ctx_->errstr[0] ? ctx_->errstr : "connection closed");
      return replies;
    }
    r.reset(static_cast<redisReply*>(out));
  }
  return replies;
}

bool redis_client::check() {
  leave_old_primary();
  if (!ensure_connected())
    return false;
  auto r = raw_command({"PING"});
  if (r)
    return true;
  return ensure_connected(); // the old connection was dead: one fresh try
}

reply_ptr redis_client::raw_command(const std::vector<std::string>& argv) {
  if (!ctx_)
    return nullptr;
  last_used_ = clock::now();
  std::vector<size_t> lens;
  auto ptrs = argv_ptrs(argv, lens);
  auto r = static_cast<redisReply*>(
    redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
  if (r == nullptr) {
    disconnect(ctx_->errstr);
    return nullptr;
  }
  return reply_ptr{r};
}

bool redis_client::append(const std::vector<std::string>& argv) {
  if (!ctx_)
    return false;
  std::vector<size_t> lens;
  auto ptrs = argv_ptrs(argv, lens);
  if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs.data(), lens.data())
      != REDIS_OK) {
    disconnect(ctx_->errstr);
    return false;
  }
  return true;
}

bool redis_client::flush() {
  if (!ctx_)
    return false;
  int done = 0;
  while (!done)
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) {
      disconnect(ctx_->errstr);
      return false;
    }
  return true;
}

bool redis_client::wait_readable(std::chrono::milliseconds timeout, bool& readable) {
  readable = false;
  if (!ctx_ || leave_old_primary())
    return false;
  pollfd pfd{ctx_->fd, POLLIN, 0};
  int n = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (n < 0)
    return errno == EINTR;
  if (n == 0)
    return true;
  if (redisBufferRead(ctx_) != REDIS_OK) {
    disconnect(ctx_->errstr[0] ? ctx_->errstr : "connection closed");
    return false;
  }
  readable = true;
  return true;
}

int redis_client::fd() const {
  return ctx_ ? ctx_->fd : -1;
}

reply_ptr redis_client::next_reply(bool& failed) {
  failed = false;
  if (!ctx_)
    return nullptr;
  void* r = nullptr;
  if (redisGetReplyFromReader(ctx_, &r) != REDIS_OK) {
    failed = true;
    disconnect(ctx_->errstr);
    return nullptr;
  }
  return reply_ptr{static_cast<redisReply*>(r)};
}

bool redis_client::read_replies(std::chrono::milliseconds timeout,
                                const std::function<void(const redisReply*)>& each) {
  bool readable = false;
  if (!wait_readable(timeout, readable))
    return false;
  bool failed = false;
  while (auto r = next_reply(failed))
    each(r.get());
  return !failed;
}

namespace reply {

bool is_error(const redisReply* r) {
  return r == nullptr || r->type == REDIS_REPLY_ERROR;
}

bool is_nil(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_NIL;
}

bool is_array(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_ARRAY;
}

size_t size(const redisReply* r) {
  return is_array(r) ? r->elements : 0;
}

const redisReply* at(const redisReply* r, size_t i) {
  return is_array(r) && i < r->elements ? r->element[i] : nullptr;
}

std::string str(const redisReply* r) {
  if (r == nullptr)
    return {};
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS
      || r->type == REDIS_REPLY_ERROR)
    return std::string{r->str, r->len};
  if (r->type == REDIS_REPLY_INTEGER)
    return std::to_string(r->integer);
  return {};
}

long long integer(const redisReply* r) {
  if (r == nullptr)
    return 0;
  if (r->type == REDIS_REPLY_INTEGER)
    return r->integer;
  return std::atoll(str(r).c_str());
}

} // namespace reply

} // namespace sb
