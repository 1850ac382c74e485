#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace sb::log {

namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};
std::atomic<bool> json_lines{false};

const char* tag(level lvl) {
  switch (lvl) {
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warning: return "WARN ";
    case level::error: return "ERROR";
    default: return "?    ";
  }
}

const char* json_level(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warning: return "warning";
    case level::error: return "error";
    default: return "?";
  }
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

} // namespace

bool set_level(std::string_view name) {
  static constexpr std::pair<std::string_view, level> names[] = {
    {"debug", level::debug}, {"info", level::info}, {"warning", level::warning},
    {"error", level::error}, {"off", level::off}};
  for (auto& [n, l] : names)
    if (n == name) {
      threshold = static_cast<int>(l);
      return true;
    }
  return false;
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= threshold.load(std::memory_order_relaxed);
}

bool set_format(std::string_view name) {
  if (name != "text" && name != "json")
    return false;
  json_lines = name == "json";
  return true;
}

namespace {

std::string text_line(level lvl, std::string_view component, const fields& f,
                      const std::string& text) {
  std::string line = timestamp();
  line += ' ';
  line += tag(lvl);
  line += ' ';
  line += component;
  line += ": ";
  line += text;
  auto add = [&](const char* key, std::string_view value) {
    if (value.empty())
      return;
    line += ' ';
    line += key;
    line += '=';
    line += value;
  };
  add("socket", f.socket);
  add("user", f.user);
  add("remote", f.remote);
  if (f.code >= 0)
    add("code", std::to_string(f.code));
  return line;
}

std::string json_line(level lvl, std::string_view component, const fields& f,
                      const std::string& text) {
  nlohmann::ordered_json j = {{"time", timestamp()},
                              {"level", json_level(lvl)},
                              {"component", component},
                              {"message", text}};
  if (!f.socket.empty())
    j["socket"] = f.socket;
  if (!f.user.empty())
    j["user"] = f.user;
  if (!f.remote.empty())
    j["remote"] = f.remote;
  if (f.code >= 0)
    j["code"] = f.code;
  // Bytes that are not UTF-8 (a client's name, say) are replaced: a line
  // must stay valid JSON whatever it quotes.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

std::string format_line(level lvl, std::string_view component, const fields& f,
                        const std::string& text) {
  return json_lines ? json_line(lvl, component, f, text) : text_line(lvl, component, f, text);
}

void write(level lvl, std::string_view component, const std::string& text) {
  write(lvl, component, fields{}, text);
}

void write(level lvl, std::string_view component, const fields& f, const std::string& text) {
  auto line = format_line(lvl, component, f, text);
  line += '\n';
  // One write(2) per line keeps lines from different threads whole.
  auto rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void) rc;
}

} // namespace sb::log
