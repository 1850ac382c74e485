#pragma once
// A Lua script sent by EVALSHA, with EVAL as the fallback when Redis lost
// its script cache (a restart): the broker's commands (redis_commands) and
// the consumers' reader (consumer_reader) run theirs through here.

#include <functional>
#include <string>
#include <vector>

#include "redis/redis_client.hpp"

namespace sb {

struct lua_script {
  explicit lua_script(std::string text); ///< computes the SHA1 EVALSHA names it by
  std::string body;
  std::string sha;
};

/// Runs `s` with `keys` and `args` through `run` (one command on the right
/// connection; nullptr when Redis is away).
reply_ptr eval_lua(const std::function<reply_ptr(const std::vector<std::string>&)>& run,
                   const lua_script& s, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args);

} // namespace sb
