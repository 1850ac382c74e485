#include "actors/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <unistd.h>

namespace sb::log {

namespace {

std::atomic<int> threshold{static_cast<int>(level::info)};

const char* tag(level lvl) {
  switch (lvl) {
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warning: return "WARN ";
    case level::error: return "ERROR";
    default: return "?    ";
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

void write(level lvl, std::string_view component, const std::string& text) {
  std::string line = timestamp();
  line += ' ';
  line += tag(lvl);
  line += ' ';
  line += component;
  line += ": ";
  line += text;
  line += '\n';
  // One write(2) per line keeps lines from different threads whole.
  auto rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void) rc;
}

} // namespace sb::log
