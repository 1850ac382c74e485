#include "core/stream_id.hpp"

#include <charconv>

namespace sb {

namespace {

std::optional<uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  uint64_t value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

} // namespace

std::optional<stream_id> stream_id::parse(std::string_view text) {
  auto dash = text.find('-');
  auto ms = parse_u64(text.substr(0, dash));
  if (!ms)
    return std::nullopt;
  if (dash == std::string_view::npos)
    return stream_id{*ms, 0};
  auto seq = parse_u64(text.substr(dash + 1));
  if (!seq)
    return std::nullopt;
  return stream_id{*ms, *seq};
}

std::string stream_id::str() const {
  return std::to_string(ms) + '-' + std::to_string(seq);
}

stream_id stream_id::next() const {
  if (seq == UINT64_MAX)
    return {ms + 1, 0};
  return {ms, seq + 1};
}

} // namespace sb
