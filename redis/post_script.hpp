#pragma once
// The Lua script behind the broker's `post` command: append an event to a
// stream and publish it, with the id Redis gave it, in one atomic step and
// one round trip. Two commands would leave a window where an entry is
// stored but never published (the connection breaks in between), and cost
// a second round trip on every chat message.
// KEYS[1] is `<stream>:<plugin>`, both the stream key and the channel.

namespace sb::post_lua {

/// ARGV: maxlen ("0": no trimming), event, data JSON, the published
/// payload cut around its id (prefix, suffix), the publish command
/// (`PUBLISH`, or `SPUBLISH` in a Redis Cluster: the channel is KEYS[1],
/// so it is in the script's slot), and the last moment (ms in Redis'
/// clock) it may be stored -> the new entry's id, or an `EXPIRED`
/// error: the node has stopped waiting and answered `unavailable` (a
/// stalled Redis runs what it had buffered when it wakes up).
inline constexpr const char* post = R"(
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[7]) then
  return redis.error_reply('EXPIRED the node stopped waiting for this post')
end
local id
if ARGV[1] == '0' then
  id = redis.call('XADD', KEYS[1], '*', 'event', ARGV[2], 'data', ARGV[3])
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2], 'data', ARGV[3])
end
redis.call(ARGV[6], KEYS[1], ARGV[4] .. id .. ARGV[5])
return id
)";

} // namespace sb::post_lua
