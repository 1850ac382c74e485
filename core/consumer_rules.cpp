#include "core/consumer_rules.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/event_codec.hpp"
#include "core/plugin_spec.hpp"

namespace sb {

using nlohmann::json;

namespace {

/// Whether the class starting after `[` at `p` holds `c`; `p` ends after
/// its `]` (or at the end of a pattern that never closes it, as in Redis).
bool class_match(std::string_view pat, size_t& p, char c) {
  bool negate = p < pat.size() && pat[p] == '^';
  if (negate)
    ++p;
  bool found = false;
  while (p < pat.size() && pat[p] != ']') {
    if (pat[p] == '\\' && p + 1 < pat.size()) {
      found = found || pat[p + 1] == c;
      p += 2;
    } else if (p + 2 < pat.size() && pat[p + 1] == '-' && pat[p + 2] != ']') {
      auto lo = std::min(pat[p], pat[p + 2]);
      auto hi = std::max(pat[p], pat[p + 2]);
      found = found || (c >= lo && c <= hi);
      p += 3;
    } else {
      found = found || pat[p] == c;
      ++p;
    }
  }
  if (p < pat.size())
    ++p; // the `]`
  return found != negate;
}

/// Matches the one pattern element at `p` (not `*`) against `c`; `next`
/// is where the following element starts.
bool one_match(std::string_view pat, size_t p, char c, size_t& next) {
  if (pat[p] == '?') {
    next = p + 1;
    return true;
  }
  if (pat[p] == '[') {
    next = p + 1;
    return class_match(pat, next, c);
  }
  if (pat[p] == '\\' && p + 1 < pat.size()) {
    next = p + 2;
    return pat[p + 1] == c;
  }
  next = p + 1;
  return pat[p] == c;
}

} // namespace

bool redis_glob_match(std::string_view pattern, std::string_view text) {
  constexpr auto none = std::string_view::npos;
  size_t p = 0, t = 0, star = none, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      star_t = t;
      continue;
    }
    size_t next = 0;
    if (p < pattern.size() && one_match(pattern, p, text[t], next)) {
      p = next;
      ++t;
      continue;
    }
    if (star == none)
      return false;
    p = star; // the last `*` takes one more byte
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool consumable_key(std::string_view glob, std::string_view key) {
  auto colon = key.rfind(':');
  if (colon == std::string_view::npos)
    return false;
  return valid_stream_name(key.substr(0, colon)) && valid_plugin_name(key.substr(colon + 1))
         && redis_glob_match(glob, key);
}

std::string webhook_body(std::string_view key, const stream_entry& entry,
                         std::string_view default_event) {
  auto colon = key.rfind(':');
  auto stream = colon == std::string_view::npos ? key : key.substr(0, colon);
  auto client = colon == std::string_view::npos ? std::string_view{} : key.substr(colon + 1);
  auto ev = decode_entry(entry, default_event);
  // data is JSON text already (decode_entry makes it so): in as it is.
  std::string out = R"({"stream":)" + json(stream).dump() + R"(,"client":)" + json(client).dump()
                    + R"(,"id":)" + json(entry.id).dump() + R"(,"event":)" + json(ev.event).dump()
                    + R"(,"data":)";
  out += ev.data;
  out += '}';
  return out;
}

std::string failure_text(uint16_t status, std::string_view error) {
  if (status != 0)
    return "HTTP " + std::to_string(status);
  return error.empty() ? std::string{"no answer"} : std::string{error};
}

std::chrono::milliseconds retry_delay(uint32_t failures, std::chrono::milliseconds first,
                                      double unit) {
  using std::chrono::milliseconds;
  auto cap = std::max(first, milliseconds{60'000});
  auto delay = first;
  for (uint32_t i = 1; i < failures && delay < cap; ++i)
    delay *= 2;
  delay = std::min(delay, cap);
  unit = std::clamp(unit, 0.0, 1.0);
  return milliseconds{static_cast<int64_t>(static_cast<double>(delay.count()) * (0.5 + unit / 2))};
}

std::string dead_letter_key(std::string_view name) {
  return "switchboard:consumer:" + std::string{name} + ":dead-letter";
}

std::vector<std::string> dead_letter_fields(std::string_view key, const stream_entry& entry,
                                            std::string_view consumer, uint32_t attempts,
                                            std::string_view error) {
  auto original = json::object();
  for (size_t i = 0; i + 1 < entry.fields.size(); i += 2)
    original[entry.fields[i]] = entry.fields[i + 1];
  // Redis holds any bytes: what is not UTF-8 becomes U+FFFD, not an exception.
  auto text = original.dump(-1, ' ', false, json::error_handler_t::replace);
  return {"key",      std::string{key},         "id",    entry.id,
          "entry",    std::move(text),          "consumer", std::string{consumer},
          "attempts", std::to_string(attempts), "error", std::string{error}};
}

} // namespace sb
