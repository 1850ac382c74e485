#include "redis/memory_store.hpp"

#include <algorithm>

namespace sb {

const stream_entry& memory_store::xadd(const std::string& key, std::vector<std::string> fields,
                                       uint64_t maxlen, uint64_t now_ms) {
  auto& s = streams_[key];
  auto id = now_ms > s.last.ms ? stream_id{now_ms, 0} : s.last.next();
  s.last = id;
  s.ids.push_back(id);
  s.entries.push_back(stream_entry{id.str(), std::move(fields)});
  while (maxlen > 0 && s.entries.size() > maxlen) {
    s.max_deleted = s.ids.front();
    s.ids.pop_front();
    s.entries.pop_front();
  }
  return s.entries.back();
}

const memory_store::stream* memory_store::find(const std::string& key) const {
  auto i = streams_.find(key);
  return i == streams_.end() ? nullptr : &i->second;
}

std::vector<stream_entry> memory_store::tail(const std::string& key, uint64_t count) const {
  auto s = find(key);
  if (!s)
    return {};
  auto n = std::min<uint64_t>(count, s->entries.size());
  return {s->entries.end() - static_cast<std::ptrdiff_t>(n), s->entries.end()};
}

std::vector<stream_entry> memory_store::before(const std::string& key, stream_id before,
                                               uint64_t count) const {
  auto s = find(key);
  if (!s)
    return {};
  auto end = std::lower_bound(s->ids.begin(), s->ids.end(), before) - s->ids.begin();
  auto n = static_cast<std::ptrdiff_t>(std::min<uint64_t>(count, static_cast<uint64_t>(end)));
  return {s->entries.begin() + (end - n), s->entries.begin() + end};
}

stream_replay memory_store::replay(const std::string& key, stream_id after,
                                   uint64_t count) const {
  auto s = find(key);
  // An id the stream never issued (the stream is gone, or the broker lost
  // its data in a restart) cannot be resumed from.
  if (!s)
    return {after.zero(), {}};
  stream_replay result;
  result.recovered = s->max_deleted <= after && after <= s->last;
  auto first = std::upper_bound(s->ids.begin(), s->ids.end(), after);
  auto offset = first - s->ids.begin();
  auto n = std::min<uint64_t>(count, s->entries.size() - offset);
  auto begin = s->entries.begin() + offset;
  result.entries.assign(begin, begin + static_cast<std::ptrdiff_t>(n));
  return result;
}

stream_id memory_store::last_id(const std::string& key) const {
  auto s = find(key);
  return s ? s->last : stream_id{};
}

size_t memory_store::length(const std::string& key) const {
  auto s = find(key);
  return s ? s->entries.size() : 0;
}

} // namespace sb
