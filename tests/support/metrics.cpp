#include "tests/support/metrics.hpp"

#include "tests/support/http_client.hpp"

#include <strings.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sb::test {

namespace {

bool name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool name_char(char c) {
  return name_start(c) || std::isdigit(static_cast<unsigned char>(c));
}

bool valid_name(const std::string& s) {
  if (s.empty() || !name_start(s[0])) return false;
  for (char c : s)
    if (!name_char(c)) return false;
  return true;
}

bool parse_value(const std::string& s, double& out) {
  if (s == "+Inf" || s == "Inf") return out = INFINITY, true;
  if (s == "-Inf") return out = -INFINITY, true;
  if (s == "NaN") return out = NAN, true;
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

struct parsed {
  samples values;
  std::map<std::string, std::string> types;
};

parsed parse(const std::string& text) {
  parsed out;
  std::set<std::string> helped;
  std::set<std::string> sampled;  // metric names that already had samples
  std::istringstream in(text);
  std::string line;
  int number = 0;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error("metrics line " + std::to_string(number) + " (" + why + "): "
                             + line);
  };
  if (!text.empty() && text.back() != '\n')
    throw std::runtime_error("metrics: the exposition does not end with a newline");
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line.substr(1));
      std::string keyword, name;
      words >> keyword;
      if (keyword != "HELP" && keyword != "TYPE") continue;  // a plain comment
      if (!(words >> name) || !valid_name(name)) fail("bad metric name");
      if (keyword == "HELP") {
        if (!helped.insert(name).second) fail("second HELP");
        continue;
      }
      std::string type, rest;
      words >> type;
      if (words >> rest) fail("text after the type");
      static const std::set<std::string> known{"counter", "gauge", "histogram", "summary",
                                               "untyped"};
      if (!known.count(type)) fail("unknown type");
      if (out.types.count(name)) fail("second TYPE");
      if (sampled.count(name)) fail("TYPE after samples");
      out.types[name] = type;
      continue;
    }
    size_t i = 0;
    while (i < line.size() && name_char(line[i]))
      ++i;
    std::string name = line.substr(0, i);
    if (!valid_name(name)) fail("bad metric name");
    std::string series = name;
    if (i < line.size() && line[i] == '{') {
      size_t close = i + 1;
      bool quoted = false;
      for (; close < line.size(); ++close) {
        if (quoted && line[close] == '\\') {
          ++close;
          continue;
        }
        if (line[close] == '"') quoted = !quoted;
        if (!quoted && line[close] == '}') break;
      }
      if (close >= line.size()) fail("unterminated labels");
      series = line.substr(0, close + 1);
      i = close + 1;
    }
    if (i >= line.size() || line[i] != ' ') fail("no space before the value");
    std::istringstream rest(line.substr(i));
    std::string value, timestamp, extra;
    rest >> value >> timestamp >> extra;
    double v = 0;
    if (!parse_value(value, v)) fail("bad value");
    if (!timestamp.empty()) {
      char* end = nullptr;
      std::strtoll(timestamp.c_str(), &end, 10);
      if (end != timestamp.c_str() + timestamp.size()) fail("bad timestamp");
    }
    if (!extra.empty()) fail("text after the timestamp");
    if (!out.values.emplace(series, v).second) fail("series repeated");
    sampled.insert(name);
  }
  return out;
}

} // namespace

samples parse_prometheus(const std::string& text) {
  return parse(text).values;
}

std::map<std::string, std::string> prometheus_types(const std::string& text) {
  return parse(text).types;
}

samples scrape(uint16_t port) {
  auto res = http_get(port, "/metrics");
  if (res.status != 200)
    throw std::runtime_error("/metrics answered " + std::to_string(res.status) + ": " + res.body);
  std::string type;
  for (const auto& [name, value] : res.headers)
    if (strcasecmp(name.c_str(), "Content-Type") == 0) type = value;
  if (type.rfind("text/plain", 0) != 0)
    throw std::runtime_error("/metrics has Content-Type '" + type + "'");
  return parse_prometheus(res.body);
}

samples scrape_until(uint16_t port, const std::function<bool(const samples&)>& pred,
                     std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto s = scrape(port);
    if (pred(s) || std::chrono::steady_clock::now() >= deadline) return s;
    std::this_thread::sleep_for(interval);
  }
}

unsigned wait_for_status(uint16_t port, const std::string& path, unsigned status,
                         std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    unsigned got = 0;
    try {
      got = http_get(port, path, {}, std::chrono::seconds(2)).status;
    } catch (const std::exception&) {
    }
    if (got == status || std::chrono::steady_clock::now() >= deadline) return got;
    std::this_thread::sleep_for(interval);
  }
}

long vm_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

} // namespace sb::test
