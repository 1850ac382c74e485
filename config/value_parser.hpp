#pragma once
// Turns option text into typed values, the same way for every source (INI
// file, environment, command line): integers, booleans and durations with
// a unit. Each returns nullopt when the text does not have that shape.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/option_table.hpp"

namespace sb {

std::optional<int64_t> parse_integer(std::string_view text);

std::optional<bool> parse_boolean(std::string_view text);

/// `500ms`, `10s`, `1min`, `2h`, `1d` (also `us` and `ns`).
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// The items of a comma- or space-separated list, empty items dropped.
std::vector<std::string> split_list(const std::string& text);

/// A list option's items: `["a", "b"]` (JSON strings, for items with
/// commas or spaces) or `a,b` / `a b`; nullopt for a malformed `[...]`.
std::optional<std::vector<std::string>> parse_list(std::string_view text);

/// Why `text` is not a value of `kind` for option `key`, or nullopt.
std::optional<std::string> shape_error(value_kind kind, std::string_view key,
                                       std::string_view text);

} // namespace sb
