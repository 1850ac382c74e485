#pragma once
// Key and channel names in a Redis Cluster (redis.mode = cluster). The rest
// of Switchboard names a plugin's key `<stream>:<plugin>`; in a cluster it
// is stored as `{<stream>}:<plugin>`, the stream as its hash tag, so every
// key and channel of one stream shares one slot: the post and presence
// Lua scripts touch a single slot, and the post script's SPUBLISH reaches
// the shard that owns the stream. Stream names cannot hold braces
// (PROTOCOL §1), so the tag is never ambiguous. Only the cluster actors
// (command router, subscriber, listener) translate, at the edge.

#include <string>
#include <string_view>

namespace sb {

/// `stream:7:chat` -> `{stream:7}:chat`; a key without a plugin part is
/// tagged whole.
inline std::string cluster_key(std::string_view key) {
  auto colon = key.rfind(':');
  auto stream = colon == std::string_view::npos ? key : key.substr(0, colon);
  auto plugin = colon == std::string_view::npos ? std::string_view{} : key.substr(colon);
  std::string out;
  out.reserve(key.size() + 2);
  out.append("{").append(stream).append("}").append(plugin);
  return out;
}

/// The inverse: `{stream:7}:chat` -> `stream:7:chat`. Any other name is
/// returned as it is.
inline std::string logical_key(std::string_view key) {
  auto close = key.find('}');
  if (key.empty() || key.front() != '{' || close == std::string_view::npos)
    return std::string{key};
  std::string out{key.substr(1, close - 1)};
  out.append(key.substr(close + 1));
  return out;
}

} // namespace sb
