#pragma once
// The data structures of the embedded broker: Redis-like streams (append
// under MAXLEN, ranges, `<ms>-<seq>` ids that only increase, and the
// max-deleted id that tells whether a resume is complete). Plain C++ so the
// semantics are unit-tested without actors; memory_broker wraps it.

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/messages.hpp"
#include "core/stream_id.hpp"

namespace sb {

class memory_store {
public:
  /// Appends an entry stamped `now_ms` (or later, so ids never go back),
  /// trims the stream to `maxlen` entries (0 = no trimming) and returns it.
  const stream_entry& xadd(const std::string& key, std::vector<std::string> fields,
                           uint64_t maxlen, uint64_t now_ms);

  /// The last `count` entries, oldest first.
  std::vector<stream_entry> tail(const std::string& key, uint64_t count) const;

  /// The last `count` entries with an id less than `before`, oldest first.
  std::vector<stream_entry> before(const std::string& key, stream_id before,
                                   uint64_t count) const;

  /// Entries with an id greater than `after`, oldest first, at most `count`.
  /// `recovered` is false when an entry after `after` was trimmed away.
  stream_replay replay(const std::string& key, stream_id after, uint64_t count) const;

  /// The id of the newest entry ever added ("0-0" for a new stream).
  stream_id last_id(const std::string& key) const;

  size_t length(const std::string& key) const;

private:
  struct stream {
    std::deque<stream_entry> entries;
    std::deque<stream_id> ids; ///< parsed ids, parallel to `entries`
    stream_id last;
    stream_id max_deleted;     ///< as in Redis 7's XINFO max-deleted-entry-id
  };

  const stream* find(const std::string& key) const;

  std::unordered_map<std::string, stream> streams_;
};

} // namespace sb
