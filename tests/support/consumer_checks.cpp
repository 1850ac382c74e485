#include "tests/support/consumer_checks.hpp"

#include <set>

namespace sb::test {

using nlohmann::json;

std::string add_numbered(redis_server& redis, const std::string& key, int n) {
  return redis.command({"XADD", key, "*", "event", "message", "data", json{{"n", n}}.dump()})
    .get<std::string>();
}

std::vector<int> first_arrivals(const std::vector<json>& bodies, const std::string& stream) {
  std::vector<int> out;
  std::set<int> seen;
  for (auto& b : bodies)
    if (b.value("stream", "") == stream && b["data"].is_object()) {
      auto n = b["data"].value("n", -1);
      if (seen.insert(n).second)
        out.push_back(n);
    }
  return out;
}

std::vector<int> one_to(int n) {
  std::vector<int> out;
  for (int i = 1; i <= n; ++i)
    out.push_back(i);
  return out;
}

long long pending(redis_server& redis, const std::string& key, const std::string& group) {
  return redis.command({"XPENDING", key, group})[0].get<long long>();
}

} // namespace sb::test
