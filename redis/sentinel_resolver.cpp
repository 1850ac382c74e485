#include "redis/sentinel_resolver.hpp"

#include <map>
#include <memory>
#include <sstream>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "redis/redis_client.hpp"

namespace sb {

namespace {

/// One sentinel's answer: the primary's address, or nullopt when it is
/// unreachable, refuses us (AUTH) or does not know the master.
std::optional<std::pair<std::string, int>> ask_one(const sentinel_address& s,
                                                   const redis_endpoint& ep,
                                                   const redis_timeouts& t) {
  redis_endpoint sentinel;
  sentinel.host = s.host;
  sentinel.port = s.port;
  sentinel.password = ep.sentinel_password;
  redis_client client{sentinel, t, "sentinel-query"};
  if (!client.ensure_connected())
    return std::nullopt; // logged by the client (unreachable, AUTH refused)
  auto r = client.command({"SENTINEL", "get-master-addr-by-name", ep.master_name});
  auto port = reply::integer(reply::at(r.get(), 1));
  if (reply::size(r.get()) != 2 || port <= 0 || port > 65535) {
    log::warning("redis", "sentinel ", sentinel.describe(), " does not know master ",
                 ep.master_name, r ? ": " + reply::str(r.get()) : std::string{});
    return std::nullopt;
  }
  return std::make_pair(reply::str(reply::at(r.get(), 0)), static_cast<int>(port));
}

std::string key_of(const redis_endpoint& ep) {
  std::string key = ep.master_name + "/" + std::to_string(ep.db) + "@";
  for (auto& s : ep.sentinels)
    key += s.host + ":" + std::to_string(s.port) + ",";
  return key;
}

} // namespace

sentinel_resolver& sentinel_resolver::of(const redis_endpoint& ep) {
  // Never erased: a process follows one or a few masters for its lifetime.
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<sentinel_resolver>> resolvers;
  std::lock_guard<std::mutex> guard{mutex};
  auto& r = resolvers[key_of(ep)];
  if (!r)
    r = std::make_unique<sentinel_resolver>(ep);
  return *r;
}

sentinel_resolver::sentinel_resolver(const redis_endpoint& ep) : endpoint_(ep) {
}

std::optional<sentinel_resolver::primary_address>
sentinel_resolver::primary(const redis_timeouts& timeouts) {
  std::lock_guard<std::mutex> guard{mutex_};
  // Rate-limited: every connection of the node fails at once when the
  // primary dies, and one question per interval answers them all.
  if ((stale_ || !known_) && clock::now() - last_ask_ >= ask_interval) {
    last_ask_ = clock::now();
    if (auto answer = ask(timeouts)) {
      adopt(answer->first, answer->second, "the sentinels");
      stale_ = false;
    }
  }
  if (!known_)
    return std::nullopt;
  return primary_address{known_->first, known_->second, generation()};
}

void sentinel_resolver::stale(uint64_t generation) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (generation == this->generation())
    stale_ = true;
}

void sentinel_resolver::moved(const std::string& host, int port) {
  std::lock_guard<std::mutex> guard{mutex_};
  adopt(host, port, "+switch-master");
  stale_ = false;
}

void sentinel_resolver::refresh(const redis_timeouts& timeouts) {
  std::lock_guard<std::mutex> guard{mutex_};
  last_ask_ = clock::now();
  if (auto answer = ask(timeouts)) {
    adopt(answer->first, answer->second, "the sentinels");
    stale_ = false;
  }
}

std::optional<std::pair<std::string, int>> sentinel_resolver::ask(const redis_timeouts& t) {
  for (auto& s : endpoint_.sentinels)
    if (auto answer = ask_one(s, endpoint_, t))
      return answer;
  log::warning("redis", "no sentinel knows the primary of ", endpoint_.master_name);
  return std::nullopt;
}

void sentinel_resolver::adopt(const std::string& host, int port, const char* source) {
  auto address = std::make_pair(host, port);
  if (known_ == address)
    return;
  if (known_) {
    count(metrics::global().redis_failovers);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    log::warning("redis", "primary of ", endpoint_.master_name, " moved from ", known_->first,
                 ":", known_->second, " to ", host, ":", port, " (", source, ")");
  } else {
    log::info("redis", "primary of ", endpoint_.master_name, " is ", host, ":", port, " (",
              source, ")");
  }
  known_ = std::move(address);
}

namespace sentinel_reply {

std::optional<std::pair<std::string, int>> switch_master(const std::string& payload,
                                                         const std::string& master) {
  std::istringstream in{payload};
  std::string name, old_host, old_port, new_host;
  int new_port = 0;
  if (!(in >> name >> old_host >> old_port >> new_host >> new_port) || name != master
      || new_port <= 0 || new_port > 65535)
    return std::nullopt;
  return std::make_pair(new_host, new_port);
}

} // namespace sentinel_reply

} // namespace sb
