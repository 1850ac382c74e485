#pragma once
// Which Redis server holds a stream: a jump consistent hash (Lamping and
// Veach, 2014) of the FNV-1a hash of the stream name. Every node computes
// the same shard for the same stream and server count; growing the list
// from n to n+1 servers moves about 1/(n+1) of the streams.

#include <cstdint>
#include <string_view>

namespace sb {

inline uint64_t fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

inline int32_t jump_hash(uint64_t key, int32_t buckets) {
  int64_t b = -1;
  int64_t j = 0;
  while (j < buckets) {
    b = j;
    key = key * 2862933555777941757ull + 1;
    j = static_cast<int64_t>((b + 1) * (double(1ll << 31) / double((key >> 33) + 1)));
  }
  return static_cast<int32_t>(b);
}

/// The stream of a key `<stream>:<plugin>` (plugin names have no colon).
inline std::string_view stream_of_key(std::string_view key) {
  auto colon = key.rfind(':');
  return colon == std::string_view::npos ? key : key.substr(0, colon);
}

inline size_t shard_of_key(std::string_view key, size_t shards) {
  if (shards <= 1)
    return 0;
  return static_cast<size_t>(jump_hash(fnv1a(stream_of_key(key)), static_cast<int32_t>(shards)));
}

} // namespace sb
