#pragma once
// Where a Redis server is: parsed from `redis://[:password@]host[:port][/db]`
// or `unix:///path/to.sock[?db=N]`. `redis.url` may list several, separated
// by commas or spaces; each is one shard. In `redis.mode = sentinel` the one
// endpoint names no server but a master name and its sentinels: the
// connection asks them where the primary is (redis/sentinel_resolver).

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sb {

/// A sentinel (`host:port`, port 26379 by default).
struct sentinel_address {
  std::string host;
  int port = 26379;
};

struct redis_endpoint {
  std::string host;      ///< empty for a unix socket (and for a sentinel endpoint)
  int port = 6379;
  std::string unix_path; ///< empty for TCP
  std::string password;
  int db = 0;
  /// Sentinel mode: the primary of `master_name`, as `sentinels` know it.
  std::string master_name;
  std::vector<sentinel_address> sentinels;
  std::string sentinel_password; ///< AUTH on the sentinels; empty: none
  /// WAIT for this many replicas after each `streams` append (0: no WAIT).
  int wait_replicas = 0;

  bool via_sentinel() const { return !master_name.empty(); }

  /// `host:port`, the socket path or `sentinel:<master>`, for logs (never
  /// the password).
  std::string describe() const;
};

/// Parses one URL; an error message on failure.
std::variant<redis_endpoint, std::string> parse_redis_url(std::string_view url);

/// Parses a list of URLs separated by commas and/or spaces.
std::variant<std::vector<redis_endpoint>, std::string> parse_redis_urls(std::string_view urls);

/// Parses one `host[:port]` of `redis.sentinels`; an error message on failure.
std::variant<sentinel_address, std::string> parse_sentinel_address(std::string_view text);

} // namespace sb
