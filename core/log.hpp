#pragma once
// The project's logger: one line per event to stderr, with a UTC timestamp
// and a level; `log.format = json` makes each line a JSON object (time,
// level, component, message and the fields below). CAF's own logger is
// compiled out in Debian's build, so every component logs through here.
// Thread-safe: each line is one write(2).

#include <sstream>
#include <string>
#include <string_view>

namespace sb::log {

enum class level { debug, info, warning, error, off };

/// Facts about a socket a line is about; empty ones are left out. Text
/// lines append them as ` socket=... user=...`, JSON lines as members.
struct fields {
  std::string_view socket;
  std::string_view user;
  std::string_view remote; ///< the peer's address and port
  int code = -1;           ///< a close code; -1: none
};

/// Sets the threshold; returns false for an unknown level name.
bool set_level(std::string_view name);
/// `text` or `json`; returns false for an unknown format.
bool set_format(std::string_view name);
bool enabled(level lvl);
void write(level lvl, std::string_view component, const std::string& text);
void write(level lvl, std::string_view component, const fields& f, const std::string& text);

/// One line as it would be written (no trailing newline), for tests.
std::string format_line(level lvl, std::string_view component, const fields& f,
                        const std::string& text);

namespace detail {
template <class... Ts>
void emit(level lvl, std::string_view component, const fields& f, const Ts&... xs) {
  if (!enabled(lvl))
    return;
  std::ostringstream out;
  (out << ... << xs);
  write(lvl, component, f, out.str());
}
} // namespace detail

template <class... Ts>
void debug(std::string_view c, const Ts&... xs) { detail::emit(level::debug, c, fields{}, xs...); }
template <class... Ts>
void info(std::string_view c, const Ts&... xs) { detail::emit(level::info, c, fields{}, xs...); }
template <class... Ts>
void warning(std::string_view c, const Ts&... xs) { detail::emit(level::warning, c, fields{}, xs...); }
template <class... Ts>
void error(std::string_view c, const Ts&... xs) { detail::emit(level::error, c, fields{}, xs...); }

// The same with fields: log::info("websocket", log::fields{id, user}, "socket closed").
template <class... Ts>
void debug(std::string_view c, const fields& f, const Ts&... xs) { detail::emit(level::debug, c, f, xs...); }
template <class... Ts>
void info(std::string_view c, const fields& f, const Ts&... xs) { detail::emit(level::info, c, f, xs...); }
template <class... Ts>
void warning(std::string_view c, const fields& f, const Ts&... xs) { detail::emit(level::warning, c, f, xs...); }
template <class... Ts>
void error(std::string_view c, const fields& f, const Ts&... xs) { detail::emit(level::error, c, f, xs...); }

} // namespace sb::log
