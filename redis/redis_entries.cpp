#include "redis/redis_entries.hpp"

#include "redis/redis_client.hpp"

namespace sb {

std::vector<stream_entry> parse_entries(const redisReply* r) {
  std::vector<stream_entry> out;
  out.reserve(reply::size(r));
  for (size_t i = 0; i < reply::size(r); ++i) {
    auto item = reply::at(r, i);
    stream_entry entry;
    entry.id = reply::str(reply::at(item, 0));
    auto fields = reply::at(item, 1);
    for (size_t j = 0; j < reply::size(fields); ++j)
      entry.fields.push_back(reply::str(reply::at(fields, j)));
    out.push_back(std::move(entry));
  }
  return out;
}

namespace {

stream_id info_id(const redisReply* info, const char* name) {
  for (size_t i = 0; i + 1 < reply::size(info); i += 2)
    if (reply::str(reply::at(info, i)) == name)
      return stream_id::parse(reply::str(reply::at(info, i + 1))).value_or(stream_id{});
  return {};
}

} // namespace

bool complete_after(const redisReply* info, stream_id since) {
  if (info_id(info, "max-deleted-entry-id") > since)
    return false; // an entry after `since` was XDELeted
  auto last = info_id(info, "last-generated-id");
  if (since > last)
    return false; // an id this stream never issued: its data was lost
  if (since == last)
    return true; // nothing was added after `since`
  long long length = 0;
  for (size_t i = 0; i + 1 < reply::size(info); i += 2)
    if (reply::str(reply::at(info, i)) == "length")
      length = reply::integer(reply::at(info, i + 1));
  return length > 0 && info_id(info, "recorded-first-entry-id") <= since;
}

stream_id last_generated_id(const redisReply* info) {
  return info_id(info, "last-generated-id");
}

} // namespace sb
