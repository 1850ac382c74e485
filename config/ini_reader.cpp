#include "config/ini_reader.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "config/option_table.hpp"
#include "config/value_parser.hpp"

namespace sb {

namespace {

std::string_view trim(std::string_view s) {
  auto start = s.find_first_not_of(" \t\r");
  if (start == std::string_view::npos)
    return {};
  auto end = s.find_last_not_of(" \t\r");
  return s.substr(start, end - start + 1);
}

bool is_comment(std::string_view s) {
  return s.empty() || s[0] == ';' || s[0] == '#';
}

/// A quoted value ("..." or '...', with \" and \\ escapes) and what follows
/// it; nullopt when the closing quote is missing.
std::optional<std::pair<std::string, std::string_view>> unquote(std::string_view s) {
  char quote = s[0];
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == quote || s[i + 1] == '\\'))
      out += s[++i];
    else if (s[i] == quote)
      return std::make_pair(out, trim(s.substr(i + 1)));
    else
      out += s[i];
  }
  return std::nullopt;
}

/// `text` when it has the shape of `kind`, else the error.
std::variant<std::string, std::string> value_text_or_error(value_kind kind, std::string_view key,
                                                           std::string_view text) {
  if (auto err = shape_error(kind, key, text))
    return std::variant<std::string, std::string>{std::in_place_index<1>, *err};
  return std::variant<std::string, std::string>{std::in_place_index<0>, std::string{text}};
}

/// A list written `["a", "b"]` (JSON strings), maybe followed by a comment.
std::variant<std::string, std::string> list_text(const option_def& opt, const std::string& key,
                                                 std::string_view raw) {
  auto close = raw.rfind(']');
  if (close == std::string_view::npos || !is_comment(trim(raw.substr(close + 1))))
    return std::variant<std::string, std::string>{
      std::in_place_index<1>, "expected [\"a\", \"b\"] for " + key};
  return value_text_or_error(opt.kind, key, raw.substr(0, close + 1));
}

/// The unquoted text of `raw` for an option of `kind`, or an error.
std::variant<std::string, std::string> value_text(const option_def& opt, const std::string& key,
                                                  std::string_view raw) {
  bool quoted = !raw.empty() && (raw[0] == '"' || raw[0] == '\'');
  if (opt.kind == value_kind::list && !raw.empty() && raw[0] == '[')
    return list_text(opt, key, raw);
  if ((opt.kind == value_kind::text || opt.kind == value_kind::list) && !quoted)
    return std::variant<std::string, std::string>{
      std::in_place_index<1>, std::string{"expected a quoted string "}
                                + (opt.kind == value_kind::list ? "or [\"a\", \"b\"] " : "")
                                + "for " + key};
  if (quoted) {
    auto parts = unquote(raw);
    if (!parts)
      return std::variant<std::string, std::string>{std::in_place_index<1>,
                                                    "missing closing quote"};
    if (!is_comment(parts->second))
      return std::variant<std::string, std::string>{
        std::in_place_index<1>, "unexpected text after the value of " + key};
    if (opt.kind == value_kind::list)
      return value_text_or_error(opt.kind, key, parts->first);
    if (opt.kind != value_kind::text)
      return std::variant<std::string, std::string>{
        std::in_place_index<1>, *shape_error(opt.kind, key, "\"" + parts->first + "\"")};
    return std::variant<std::string, std::string>{std::in_place_index<0>, parts->first};
  }
  auto text = trim(raw.substr(0, raw.find_first_of(";#")));
  if (auto err = shape_error(opt.kind, key, text))
    return std::variant<std::string, std::string>{std::in_place_index<1>, *err};
  return std::variant<std::string, std::string>{std::in_place_index<0>, std::string{text}};
}

} // namespace

std::variant<std::vector<ini_value>, std::string> parse_ini(const std::string& text,
                                                            const std::string& name) {
  std::vector<ini_value> out;
  std::istringstream in{text};
  std::string line;
  std::string group;
  for (int number = 1; std::getline(in, line); ++number) {
    auto where = name + ":" + std::to_string(number) + ": ";
    auto s = trim(line);
    if (is_comment(s))
      continue;
    if (s[0] == '[') {
      auto close = s.find(']');
      if (close == std::string_view::npos || !is_comment(trim(s.substr(close + 1))))
        return where + "expected [group]";
      group = std::string{trim(s.substr(1, close - 1))};
      if (group == "global")
        group.clear();
      if (!group.empty() && !known_group(group))
        return where + "unknown group [" + group + "]";
      continue;
    }
    auto eq = s.find('=');
    if (eq == std::string_view::npos)
      return where + "expected key = value";
    auto key = std::string{trim(s.substr(0, eq))};
    if (!group.empty())
      key = group + "." + key;
    auto opt = find_option(key);
    if (opt == nullptr) {
      auto hint = closest_option(key);
      return where + "unknown option " + key
             + (hint ? " (did you mean " + std::string{*hint} + "?)" : "");
    }
    auto value = value_text(*opt, key, trim(s.substr(eq + 1)));
    if (value.index() == 1)
      return where + std::get<1>(value);
    out.push_back({key, std::get<0>(value), number});
  }
  return out;
}

std::variant<std::vector<ini_value>, std::string> read_ini(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return "cannot read config file " + path;
  std::ostringstream text;
  text << in.rdbuf();
  return parse_ini(text.str(), path);
}

} // namespace sb
