#include "redis/group_replies.hpp"

#include "redis/redis_client.hpp"
#include "redis/redis_entries.hpp"

namespace sb {

take_reply parse_take(const redisReply* r) {
  take_reply out;
  auto status = reply::str(reply::at(r, 0));
  if (status == "gone") {
    out.what = take_reply::kind::gone;
  } else if (status == "busy") {
    out.what = take_reply::kind::busy;
    out.last_id = reply::str(reply::at(r, 1));
  } else if (status == "new" || status == "mine" || status == "claimed") {
    out.what = take_reply::kind::entries;
    out.entries = parse_entries(reply::at(r, 1));
    if (!out.entries.empty())
      out.last_id = out.entries.back().id;
  }
  return out;
}

scan_page parse_scan(const redisReply* r) {
  scan_page out;
  if (reply::size(r) != 2 || !reply::is_array(reply::at(r, 1)))
    return out;
  out.ok = true;
  out.cursor = reply::str(reply::at(r, 0));
  auto keys = reply::at(r, 1);
  for (size_t i = 0; i < reply::size(keys); ++i)
    out.keys.push_back(reply::str(reply::at(keys, i)));
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_wakeups(const redisReply* r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < reply::size(r); ++i) {
    auto stream = reply::at(r, i);
    auto entries = reply::at(stream, 1);
    auto n = reply::size(entries);
    if (n > 0)
      out.emplace_back(reply::str(reply::at(stream, 0)),
                       reply::str(reply::at(reply::at(entries, n - 1), 0)));
  }
  return out;
}

} // namespace sb
