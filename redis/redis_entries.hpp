#pragma once
// Reading Redis stream replies (XRANGE, XREVRANGE, XREAD, XINFO STREAM)
// into the broker's message types.

#include <vector>

#include "core/messages.hpp"
#include "core/stream_id.hpp"

struct redisReply;

namespace sb {

/// `[[id, [field, value, ...]], ...]` as returned by XRANGE.
std::vector<stream_entry> parse_entries(const redisReply* r);

/// Whether every entry after `since` is still in the stream, from an XINFO
/// STREAM reply (Redis 7). Trimming (MAXLEN) does not move
/// max-deleted-entry-id, so the first retained entry decides: entries
/// before it may have been trimmed. An id beyond the stream's last one is
/// not resumable (Redis lost data). Conservative: when unsure, false.
bool complete_after(const redisReply* info, stream_id since);

/// `last-generated-id` of an XINFO STREAM reply, 0-0 if absent.
stream_id last_generated_id(const redisReply* info);

} // namespace sb
