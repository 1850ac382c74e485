#pragma once
// The Lua scripts that keep presence atomic on Redis. Keys: KEYS[1] is the
// hash `<stream>:presence` (connection -> user JSON), KEYS[2] the sorted set
// `<stream>:presence:expiry` (connection -> expiry ms), KEYS[3] the hash
// `<stream>:presence:users` (user id -> connection count). Every write also
// sets a TTL on the three keys so a cluster that dies leaves nothing behind.

namespace sb::presence_lua {

/// ARGV: conn, user JSON, user id, expiry ms, key TTL ms -> 1 if first of user.
inline constexpr const char* add = R"(
local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local first = 0
if existed == 0 and redis.call('HINCRBY', KEYS[3], ARGV[3], 1) == 1 then first = 1 end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return first
)";

/// ARGV: conn, expiry ms, key TTL ms -> 0 when the connection is unknown.
inline constexpr const char* ping = R"(
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return 1
)";

/// Shared by `remove` and `sweep`: drops one connection, returns the user
/// JSON when it was their last connection, else false.
inline constexpr const char* drop_fn = R"(
local function drop(c)
  local u = redis.call('HGET', KEYS[1], c)
  redis.call('ZREM', KEYS[2], c)
  if not u then return false end
  redis.call('HDEL', KEYS[1], c)
  local id = cjson.decode(u).id
  if redis.call('HINCRBY', KEYS[3], id, -1) <= 0 then
    redis.call('HDEL', KEYS[3], id)
    return u
  end
  return false
end
)";

/// After drop_fn. ARGV: conn -> user JSON or "".
inline constexpr const char* remove = "return drop(ARGV[1]) or ''";

/// After drop_fn. ARGV: now ms -> the user JSONs whose last connection expired.
inline constexpr const char* sweep = R"(
local left = {}
for _, c in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
  local u = drop(c)
  if u then table.insert(left, u) end
end
return left
)";

/// Read marks, KEYS[1] = `<stream>:notifications:read`. ARGV: user, id ->
/// the mark afterwards; a mark never moves back.
inline constexpr const char* mark_set = R"(
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local cm, cs = parse(cur)
  local nm, ns = parse(ARGV[2])
  if cm and (nm < cm or (nm == cm and ns <= cs)) then return cur end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
)";

} // namespace sb::presence_lua
