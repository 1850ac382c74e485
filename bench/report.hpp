#pragma once
// Counters every scenario shares, and the report: human-readable lines on
// stdout followed by one `RESULT {json}` line for scripts (bench/run.sh).

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/histogram.hpp"
#include "bench/ws_client.hpp"

namespace bench {

/// The error codes of PROTOCOL.md §3, plus "other" for anything else.
constexpr std::array<const char*, 12> error_codes = {
  "invalid_json", "invalid_frame", "unknown_client", "unknown_plugin",
  "invalid_stream", "invalid_strategy", "forbidden", "rate_limited",
  "too_large", "unavailable", "internal", "other"};

/// What went wrong or ended, over every socket of a run.
struct stats {
  uint64_t welcomed = 0;                         ///< sockets that got `welcome`
  std::array<uint64_t, 6> failures{};            ///< by `failure`
  std::array<uint64_t, error_codes.size()> errors{}; ///< `error` frames by code
  std::map<uint16_t, uint64_t> server_closes;    ///< closes the server started, by code
  std::map<int, uint64_t> http_statuses;         ///< refused upgrades, by status

  void count_error(std::string_view code);
  void count_close(const close_info& info);
  uint64_t total_errors() const;
  uint64_t total_failures() const;
  uint64_t total_server_closes() const;
};

class report {
public:
  explicit report(std::string scenario);
  /// A value in the JSON object and a line "  label: value unit" for people.
  void count(const char* key, uint64_t v, const char* unit = "");
  void number(const char* key, double v, const char* unit = "", int precision = 1);
  void text(const char* key, const std::string& v);
  /// p50/p90/p99/p99.9/max in microseconds.
  void latency(const char* key, const histogram& h);
  /// failures, errors by code, server close codes.
  void problems(const stats& s);
  void heading(const std::string& line);
  /// Prints the human lines, then `RESULT {...}`.
  void print() const;

private:
  void add(const char* key, const std::string& json, const std::string& human);
  std::string scenario_;
  std::vector<std::string> human_;
  std::string json_;
};

/// Formats a nanosecond duration for people: "850 us", "12.3 ms".
std::string pretty_ns(uint64_t ns);

} // namespace bench
