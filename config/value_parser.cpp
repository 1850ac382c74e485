#include "config/value_parser.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace sb {

std::optional<int64_t> parse_integer(std::string_view text) {
  if (!text.empty() && text[0] == '+')
    text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "true")
    return true;
  if (text == "false")
    return false;
  return std::nullopt;
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  using namespace std::chrono;
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  auto count = parse_integer(text.substr(0, digits));
  if (!count || *count > 1'000'000'000)
    return std::nullopt;
  auto unit = text.substr(digits);
  static constexpr std::pair<std::string_view, nanoseconds> units[] = {
    {"ns", nanoseconds{1}}, {"us", microseconds{1}}, {"ms", milliseconds{1}},
    {"s", seconds{1}},      {"min", minutes{1}},     {"h", hours{1}},
    {"d", hours{24}}};
  for (auto& [name, one] : units)
    if (unit == name) {
      // A billion days overflows the nanosecond clock: cap at ~292 years.
      if (*count > nanoseconds::max().count() / one.count())
        return std::nullopt;
      return one * *count;
    }
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < text.size();) {
    auto end = text.find_first_of(", ", pos);
    if (end == std::string::npos)
      end = text.size();
    if (end > pos)
      out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::optional<std::vector<std::string>> parse_list(std::string_view text) {
  auto start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos || text[start] != '[')
    return split_list(std::string{text});
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array())
    return std::nullopt;
  std::vector<std::string> out;
  for (auto& item : doc) {
    if (!item.is_string())
      return std::nullopt;
    if (!item.get_ref<const std::string&>().empty())
      out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::string> shape_error(value_kind kind, std::string_view key,
                                       std::string_view text) {
  auto got = [&] { return ", got \"" + std::string{text} + "\""; };
  switch (kind) {
    case value_kind::integer:
      if (!parse_integer(text))
        return "expected an integer for " + std::string{key} + got();
      break;
    case value_kind::boolean:
      if (!parse_boolean(text))
        return "expected true or false for " + std::string{key} + got();
      break;
    case value_kind::duration:
      if (!parse_duration(text))
        return "expected a duration such as 10s or 500ms for " + std::string{key} + got();
      break;
    case value_kind::list:
      if (!parse_list(text))
        return "expected a list such as [\"a\", \"b\"] or \"a,b\" for " + std::string{key}
               + got();
      break;
    case value_kind::text:
      break;
  }
  return std::nullopt;
}

} // namespace sb
