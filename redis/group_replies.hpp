#pragma once
// Reading the replies a consumer's reader (redis/consumer_reader) gets:
// its `take` script (redis/consumer_scripts), SCAN, and the XREAD that
// tells it a stream has new entries. Pure: unit tests feed them replies
// parsed from RESP text.

#include <string>
#include <utility>
#include <vector>

#include "core/messages.hpp"

struct redisReply;

namespace sb {

/// The `take` script's answer.
struct take_reply {
  enum class kind { entries, busy, gone, bad };
  kind what = kind::bad;
  std::vector<stream_entry> entries; ///< entries: in order (no fields: deleted while pending)
  std::string last_id;               ///< entries and busy: the newest id seen
};

take_reply parse_take(const redisReply* r);

/// One SCAN page: the cursor to continue from ("0": the pass is over).
struct scan_page {
  bool ok = false;
  std::string cursor;
  std::vector<std::string> keys;
};

scan_page parse_scan(const redisReply* r);

/// (key, newest id) for each stream of an XREAD reply; none for nil (BLOCK
/// timed out).
std::vector<std::pair<std::string, std::string>> parse_wakeups(const redisReply* r);

} // namespace sb
