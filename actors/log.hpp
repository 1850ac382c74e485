#pragma once
// The project's logger: one line per event to stderr, with a UTC timestamp
// and a level. CAF's own logger is compiled out in Debian's build, so every
// component logs through here. Thread-safe: each line is one write(2).

#include <sstream>
#include <string>
#include <string_view>

namespace sb::log {

enum class level { debug, info, warning, error, off };

/// Sets the threshold; returns false for an unknown level name.
bool set_level(std::string_view name);
bool enabled(level lvl);
void write(level lvl, std::string_view component, const std::string& text);

namespace detail {
template <class... Ts>
void emit(level lvl, std::string_view component, const Ts&... xs) {
  if (!enabled(lvl))
    return;
  std::ostringstream out;
  (out << ... << xs);
  write(lvl, component, out.str());
}
} // namespace detail

template <class... Ts>
void debug(std::string_view c, const Ts&... xs) { detail::emit(level::debug, c, xs...); }
template <class... Ts>
void info(std::string_view c, const Ts&... xs) { detail::emit(level::info, c, xs...); }
template <class... Ts>
void warning(std::string_view c, const Ts&... xs) { detail::emit(level::warning, c, xs...); }
template <class... Ts>
void error(std::string_view c, const Ts&... xs) { detail::emit(level::error, c, xs...); }

} // namespace sb::log
