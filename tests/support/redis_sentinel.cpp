#include "tests/support/redis_sentinel.hpp"

#include "tests/support/poll_until.hpp"
#include "tests/support/redis_node.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace sb::test {

using nlohmann::json;
using namespace std::chrono_literals;

// --- redis_sentinel -------------------------------------------------------------

redis_sentinel::redis_sentinel(uint16_t primary_port, const std::string& master,
                               std::chrono::milliseconds down_after) {
  char dir[] = "/tmp/switchboard-sentinel-XXXXXX";
  if (::mkdtemp(dir) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  dir_ = dir;
  port_ = free_port();
  auto conf = dir_ + "/sentinel.conf"; // the sentinel rewrites it: its own file
  std::ofstream(conf) << "port " << port_ << "\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\n"
                      << "dir " << dir_ << "\n"
                      << "sentinel monitor " << master << " 127.0.0.1 " << primary_port << " 2\n"
                      << "sentinel down-after-milliseconds " << master << " "
                      << down_after.count() << "\n"
                      << "sentinel failover-timeout " << master << " 5000\n";
  child_ = std::make_unique<child_process>(
    std::vector<std::string>{redis_server_binary, conf, "--sentinel"});
  if (!child_->wait_for(child_process::output::out, "+monitor master", 10s)) {
    auto log = child_->tail(child_process::output::out) + child_->tail(child_process::output::err);
    child_->kill();
    throw std::runtime_error("sentinel on port " + std::to_string(port_) + " did not start:\n"
                             + log);
  }
}

redis_sentinel::~redis_sentinel() {
  conn_.reset();
  if (child_)
    child_->kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

json redis_sentinel::command(const std::vector<std::string>& argv) {
  if (!conn_)
    conn_ = std::make_unique<redis_connection>(port_);
  try {
    return conn_->command(argv);
  } catch (...) {
    conn_.reset();
    throw;
  }
}

uint16_t redis_sentinel::primary_port(const std::string& master) {
  auto r = command({"SENTINEL", "get-master-addr-by-name", master});
  return r.is_array() && r.size() == 2 ? static_cast<uint16_t>(std::stoi(r[1].get<std::string>()))
                                       : 0;
}

void redis_sentinel::kill9() {
  conn_.reset();
  child_->kill();
}

std::string redis_sentinel::logs() const {
  return child_->text(child_process::output::out) + child_->text(child_process::output::err);
}

// --- sentinel_group ----------------------------------------------------------------

sentinel_group::sentinel_group(size_t replicas, std::string master, redis_options opts,
                               std::chrono::milliseconds down_after)
  : master_(std::move(master)) {
  primary_ = std::make_unique<redis_server>(opts);
  auto replica_opts = opts;
  replica_opts.extra_args.insert(replica_opts.extra_args.end(),
                                 {"--replicaof", "127.0.0.1", std::to_string(primary_->port())});
  for (size_t i = 0; i < replicas; ++i)
    replicas_.push_back(std::make_unique<redis_server>(replica_opts));
  // The sentinels learn the replicas from the primary's INFO when they
  // start: they must be attached by then.
  for (auto& r : replicas_)
    if (!poll_until([&] {
          auto info = r->command({"INFO", "replication"}).get<std::string>();
          return info.find("master_link_status:up") != std::string::npos;
        }, 10s))
      throw std::runtime_error("a replica did not attach:\n" + r->logs());
  for (int i = 0; i < 3; ++i)
    sentinels_.push_back(std::make_unique<redis_sentinel>(primary_->port(), master_, down_after));
  // A failover needs the quorum (the other sentinels, from their hello
  // messages every 2 s) and a replica to promote.
  for (auto& s : sentinels_)
    if (!poll_until([&] {
          return s->command({"SENTINEL", "sentinels", master_}).size() == 2
                 && s->command({"SENTINEL", "replicas", master_}).size() == replicas_.size();
        }, 15s))
      throw std::runtime_error("sentinel " + s->address() + " did not find its peers:\n"
                               + s->logs());
}

redis_server& sentinel_group::server_on(uint16_t port) {
  redis_server* found = primary_->port() == port ? primary_.get() : nullptr;
  for (auto& r : replicas_)
    if (r->port() == port)
      found = r.get();
  if (!found)
    throw std::runtime_error("no server on port " + std::to_string(port));
  try {
    found->command({"PING"});
  } catch (const std::exception&) {
    // killed by the promotion (CLIENT KILL): the next command reconnects
  }
  return *found;
}

std::string sentinel_group::addresses() const {
  std::string out;
  for (auto& s : sentinels_)
    out += (out.empty() ? "" : ",") + s->address();
  return out;
}

std::vector<std::string> sentinel_group::node_args(const std::string& node,
                                                   const std::vector<std::string>& extra) const {
  auto args = redis_tuning_args(node);
  args.insert(args.end(), {"--redis.mode=sentinel", "--redis.sentinels=" + addresses(),
                           "--redis.master-name=" + master_});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

uint16_t sentinel_group::wait_for_new_primary(uint16_t old_port,
                                              std::chrono::milliseconds timeout) {
  uint16_t found = 0;
  poll_until([&] {
    for (auto& s : sentinels_) {
      try {
        auto port = s->primary_port(master_);
        if (port != 0 && port != old_port)
          found = port;
      } catch (const std::exception&) {
        // a sentinel that was killed: ask the others
      }
    }
    return found != 0;
  }, timeout);
  return found;
}

std::string sentinel_group::logs() const {
  std::string out;
  for (auto& s : sentinels_)
    out += "--- sentinel " + s->address() + "\n" + s->logs();
  return out;
}

} // namespace sb::test
