#include "bench/report.hpp"

#include <cmath>
#include <cstdio>

namespace bench {

namespace {

std::string fixed(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

std::string label(const char* key) {
  std::string out = key;
  for (auto& c : out)
    if (c == '_')
      c = ' ';
  return out;
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

// {"k":n,...} and "k n, ..." from a map, skipping zeros.
template <class Map>
void to_object(const Map& m, std::string& json, std::string& human) {
  json = "{";
  for (auto& [k, v] : m) {
    if (v == 0)
      continue;
    if (json.size() > 1)
      json += ",", human += ", ";
    json += quoted(k) + ":" + std::to_string(v);
    human += k + " x" + std::to_string(v);
  }
  json += "}";
  if (human.empty())
    human = "none";
}

} // namespace

// --- stats ---------------------------------------------------------------------------

void stats::count_error(std::string_view code) {
  for (size_t i = 0; i + 1 < error_codes.size(); ++i)
    if (code == error_codes[i])
      return void(++errors[i]);
  ++errors.back();
}

void stats::count_close(const close_info& info) {
  failures[size_t(info.why)]++;
  if (info.http_status)
    http_statuses[info.http_status]++;
  if (info.got_close && !info.by_us)
    server_closes[info.code]++;
}

uint64_t stats::total_errors() const {
  uint64_t n = 0;
  for (auto v : errors)
    n += v;
  return n;
}

uint64_t stats::total_failures() const {
  uint64_t n = 0;
  for (size_t i = 1; i < failures.size(); ++i)
    n += failures[i];
  return n;
}

uint64_t stats::total_server_closes() const {
  uint64_t n = 0;
  for (auto& [code, v] : server_closes)
    n += v;
  return n;
}

// --- report --------------------------------------------------------------------------

std::string pretty_ns(uint64_t ns) {
  if (ns < 1000000)
    return fixed(double(ns) / 1e3, ns < 10000 ? 1 : 0) + " us";
  if (ns < 1000000000)
    return fixed(double(ns) / 1e6, 2) + " ms";
  return fixed(double(ns) / 1e9, 2) + " s";
}

report::report(std::string scenario) : scenario_(std::move(scenario)) {
  json_ = "{\"scenario\":" + quoted(scenario_);
  human_.push_back("== switchboard-bench " + scenario_ + " ==");
}

void report::add(const char* key, const std::string& json, const std::string& human) {
  json_ += ",\"" + std::string(key) + "\":" + json;
  human_.push_back("  " + label(key) + ": " + human);
}

void report::count(const char* key, uint64_t v, const char* unit) {
  add(key, std::to_string(v), std::to_string(v) + (*unit ? " " : "") + unit);
}

void report::number(const char* key, double v, const char* unit, int precision) {
  if (!std::isfinite(v))
    return add(key, "null", "n/a");
  add(key, fixed(v, precision), fixed(v, precision) + (*unit ? " " : "") + unit);
}

void report::text(const char* key, const std::string& v) {
  add(key, quoted(v), v);
}

void report::heading(const std::string& line) {
  human_.push_back(line);
}

void report::latency(const char* key, const histogram& h) {
  static const std::pair<const char*, double> qs[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}};
  std::string json = "{\"count\":" + std::to_string(h.count());
  std::string human;
  for (auto& [name, q] : qs) {
    json += ",\"" + std::string(name) + "\":" + fixed(double(h.quantile(q)) / 1e3, 1);
    human += std::string(name) + " " + pretty_ns(h.quantile(q)) + "  ";
  }
  json += ",\"max\":" + fixed(double(h.max()) / 1e3, 1) + "}";
  human += "max " + pretty_ns(h.max()) + "  (n=" + std::to_string(h.count()) + ")";
  add((std::string(key) + "_us").c_str(), json, human);
}

void report::problems(const stats& s) {
  std::map<std::string, uint64_t> failures, errors, closes, http;
  for (size_t i = 1; i < s.failures.size(); ++i)
    failures[to_string(failure(i))] = s.failures[i];
  for (size_t i = 0; i < error_codes.size(); ++i)
    errors[error_codes[i]] = s.errors[i];
  for (auto& [code, n] : s.server_closes)
    closes[std::to_string(code)] = n;
  for (auto& [status, n] : s.http_statuses)
    http[std::to_string(status)] = n;
  std::string json, human;
  to_object(failures, json, human);
  add("failures", json, human);
  json.clear(), human.clear();
  to_object(errors, json, human);
  add("errors", json, human);
  json.clear(), human.clear();
  to_object(closes, json, human);
  add("server_closes", json, human);
  json.clear(), human.clear();
  to_object(http, json, human);
  add("refused_upgrades", json, human);
}

void report::print() const {
  for (auto& line : human_)
    std::printf("%s\n", line.c_str());
  std::printf("RESULT %s}\n", json_.c_str());
  std::fflush(stdout);
}

} // namespace bench
