#pragma once
// What a stream listener does when a stream no longer reaches the last id
// it delivered from it: Redis lost entries (restarted from an older
// snapshot, or a cluster replica promoted before it had them). Used by
// redis_listener and cluster_listener.

namespace sb {

/// KEYS[1] a stream, ARGV[1] the last id this node delivered from it, which
/// the stream no longer reaches: Redis lost data (restarted empty, or from
/// an older snapshot). Marks every entry up to that id as possibly deleted
/// (max-deleted-entry-id, which a `since` resume checks) and moves the
/// stream's last id up to it, so new ids go on above every id delivered.
/// A missing stream is made with one entry, deleted at once, in one step.
/// Another node that delivered more may have marked it higher: fine.
inline constexpr const char* mark_lost_lua = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XADD', KEYS[1], ARGV[1], 'lost', '1')
  redis.call('XDEL', KEYS[1], ARGV[1])
  return 1
end
local ok = pcall(redis.call, 'XSETID', KEYS[1], ARGV[1], 'MAXDELETEDID', ARGV[1])
return ok and 1 or 0
)";

} // namespace sb
