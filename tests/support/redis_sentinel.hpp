#pragma once
// Redis Sentinel for tests: one `redis-server --sentinel` on a free port
// (redis_sentinel), and a whole Sentinel deployment (sentinel_group): a
// primary, its replicas and three sentinels (quorum 2) with short timeouts
// (down-after 500 ms), started by the test and ready once every sentinel
// knows the replica and the two other sentinels, so a failover can start.

#include "tests/support/child_process.hpp"
#include "tests/support/redis_server.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb::test {

class redis_sentinel {
public:
  /// Starts a sentinel monitoring 127.0.0.1:`primary_port` as `master`;
  /// returns once it logged `+monitor`, throws (with its log) otherwise.
  redis_sentinel(uint16_t primary_port, const std::string& master,
                 std::chrono::milliseconds down_after);
  ~redis_sentinel();
  redis_sentinel(const redis_sentinel&) = delete;
  redis_sentinel& operator=(const redis_sentinel&) = delete;

  uint16_t port() const { return port_; }
  /// "127.0.0.1:<port>", for --redis.sentinels.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Runs one command on a connection kept open between calls.
  nlohmann::json command(const std::vector<std::string>& argv);
  /// SENTINEL get-master-addr-by-name: the primary's port as it says.
  uint16_t primary_port(const std::string& master);
  void kill9();
  std::string logs() const;

private:
  uint16_t port_ = 0;
  std::string dir_;
  std::unique_ptr<child_process> child_;
  std::unique_ptr<redis_connection> conn_;
};

class sentinel_group {
public:
  /// Starts the primary (`opts`), its replica and three sentinels; throws
  /// when the sentinels do not see each other and the replica in time.
  explicit sentinel_group(size_t replicas = 1, std::string master = "sbmaster",
                          redis_options opts = {},
                          std::chrono::milliseconds down_after = std::chrono::milliseconds(500));

  const std::string& master() const { return master_; }
  redis_server& primary() { return *primary_; }
  redis_server& replica(size_t i = 0) { return *replicas_.at(i); }
  /// The server on `port` (the primary or a replica), its cached
  /// connection renewed: a promotion kills the clients of the replica.
  redis_server& server_on(uint16_t port);
  std::vector<std::unique_ptr<redis_sentinel>>& sentinels() { return sentinels_; }
  /// "127.0.0.1:a,127.0.0.1:b,127.0.0.1:c", for --redis.sentinels.
  std::string addresses() const;
  /// The node flags of sentinel mode (no redis.url).
  std::vector<std::string> node_args(const std::string& node,
                                     const std::vector<std::string>& extra = {}) const;
  /// Polls the sentinels until one names a primary other than `old_port`;
  /// its port, or 0 after `timeout`.
  uint16_t wait_for_new_primary(uint16_t old_port, std::chrono::milliseconds timeout);
  std::string logs() const;

private:
  std::string master_;
  std::unique_ptr<redis_server> primary_;
  std::vector<std::unique_ptr<redis_server>> replicas_;
  std::vector<std::unique_ptr<redis_sentinel>> sentinels_;
};

} // namespace sb::test
