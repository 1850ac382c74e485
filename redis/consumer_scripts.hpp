#pragma once
// The Lua scripts of stream consumers (redis/consumer_reader). Each runs
// atomically in Redis, which is what keeps one stream's entries in order
// across workers: a stream's pending entries (the consumer group's PEL)
// are the lock. Whoever holds pending entries of a stream owns it; the
// others leave it alone until the owner has acknowledged everything, or
// until its entries were idle for claim-after (the owner died: a live one
// touches them more often than that). Plain XREADGROUP BLOCK cannot give
// this: two workers blocked on one stream get entries N and N+1 and post
// them side by side.
// KEYS[1] is the stream `<stream>:<plugin>`.

namespace sb::consumer_lua {

/// ARGV: group, consumer, count, claim-after ms. Creates the group (from
/// the stream's first entry) when missing. Returns {status, payload}:
///   {'new', entries}      nobody held entries: the next `count` (XREADGROUP >)
///   {'mine', entries}     this consumer holds some: those, again (XREADGROUP 0)
///   {'claimed', entries}  another held them, idle for claim-after: now ours
///   {'busy', last id}     another holds them and is alive; the stream's last id
///   {'gone'}              the key is no stream (deleted)
/// An entry deleted while pending comes as {id, nil}.
inline constexpr const char* take = R"(
local function read(id)
  local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3],
                       'STREAMS', KEYS[1], id)
  if not r then return {} end
  return r[1][2]
end
if redis.call('TYPE', KEYS[1]).ok ~= 'stream' then return {'gone'} end
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
if not ok then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0')
  p = {0}
end
if p[1] == 0 then return {'new', read('>')} end
for _, c in ipairs(p[4]) do
  if c[1] == ARGV[2] then return {'mine', read('0')} end
end
local start = '0-0'
repeat
  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], start,
                       'COUNT', 100, 'JUSTID')
  start = r[1]
until start == '0-0'
local mine = read('0')
if #mine > 0 then return {'claimed', mine} end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return {'busy', last[1] and last[1][1] or '0-0'}
)";

/// ARGV: group, consumer. Resets the idle time of every entry of the
/// stream this consumer holds (XCLAIM to itself, JUSTID: the delivery
/// count stays), so no other worker claims them while it is still working
/// on them (retrying a failing webhook, say). Returns how many it holds:
/// fewer than it thinks means another worker took them over.
inline constexpr const char* touch = R"(
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1000, ARGV[2])
if not ok or #p == 0 then return 0 end
local argv = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
for _, e in ipairs(p) do argv[#argv + 1] = e[1] end
argv[#argv + 1] = 'JUSTID'
redis.call(unpack(argv))
return #p
)";

/// KEYS[2] the consumer's dead-letter stream (on this stream's server).
/// ARGV: group, id, maxlen, then the dead letter's fields. Appends the
/// dead letter and acknowledges the entry in one step: it is never both
/// lost and unacknowledged, nor acknowledged without its dead letter.
inline constexpr const char* bury = R"(
local argv = {'XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*'}
for i = 4, #ARGV do argv[#argv + 1] = ARGV[i] end
local id = redis.call(unpack(argv))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return id
)";

} // namespace sb::consumer_lua
