#pragma once
// Presence of one node's memory broker: who is connected to each stream, per
// connection, with expiry times refreshed by heartbeats. The same model the
// Redis broker keeps in `<stream>:presence` (a hash of connection -> user),
// `<stream>:presence:expiry` (a sorted set of expiry times) and
// `<stream>:presence:users` (a hash of user -> connection count), so that
// join/leave decisions are identical on both brokers.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/messages.hpp"

namespace sb {

/// Users with their connection counts, from one user JSON per connection.
std::vector<presence_user> count_connections(const std::vector<std::string>& user_jsons);

class presence_store {
public:
  /// Adds or refreshes a connection; true when it is its user's first.
  bool add(const std::string& key, const presence_conn& conn, uint64_t expires_ms);

  /// Refreshes a connection's expiry; false when it is unknown (swept).
  bool refresh(const std::string& key, const std::string& conn, uint64_t expires_ms);

  /// Removes a connection; the user's JSON when it was their last.
  std::optional<std::string> remove(const std::string& key, const std::string& conn);

  /// Removes every connection expired at `now_ms`; the users that left.
  std::vector<std::string> sweep(const std::string& key, uint64_t now_ms);

  /// How many users are online (not connections).
  uint64_t count(const std::string& key) const;

  /// Users online, with their connection counts.
  std::vector<presence_user> list(const std::string& key) const;

private:
  struct entry {
    std::string user_id;
    std::string user_json;
    uint64_t expires_ms = 0;
  };
  struct stream {
    std::unordered_map<std::string, entry> conns;
    std::map<std::string, uint32_t> users; ///< user id -> connections
    /// (expiry, connection), as Redis' sorted set: a sweep reads only what
    /// expired instead of every connection (each heartbeat sweeps, so a
    /// scan would cost a 10,000-member room 10^8 steps a ttl).
    std::set<std::pair<uint64_t, std::string>> by_expiry;
  };

  std::unordered_map<std::string, stream> streams_;
};

} // namespace sb
