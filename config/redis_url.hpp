#pragma once
// Where a Redis server is: parsed from `redis://[:password@]host[:port][/db]`
// or `unix:///path/to.sock[?db=N]`. `redis.url` may list several, separated
// by commas or spaces; each is one shard.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sb {

struct redis_endpoint {
  std::string host;      ///< empty for a unix socket
  int port = 6379;
  std::string unix_path; ///< empty for TCP
  std::string password;
  int db = 0;

  /// `host:port` or the socket path, for logs (never the password).
  std::string describe() const;
};

/// Parses one URL; an error message on failure.
std::variant<redis_endpoint, std::string> parse_redis_url(std::string_view url);

/// Parses a list of URLs separated by commas and/or spaces.
std::variant<std::vector<redis_endpoint>, std::string> parse_redis_urls(std::string_view urls);

} // namespace sb
