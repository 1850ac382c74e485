#pragma once
// Observing a running switchboard from outside: its Prometheus `/metrics`,
// polling an HTTP status with a bound, and the resident memory of its pid.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace sb::test {

/// The samples of a Prometheus text exposition: series -> value, where a
/// series is `name` or `name{label="value",...}` as written.
using samples = std::map<std::string, double>;

/// Parses the Prometheus text format 0.0.4 strictly: `# HELP` / `# TYPE`
/// lines (a known type, at most once per metric, before its samples),
/// comments, blank lines, and samples `name[{labels}] value [timestamp]`
/// with valid names, labels and numbers, each series once. Throws
/// std::runtime_error naming the first bad line.
samples parse_prometheus(const std::string& text);

/// The `# TYPE` of every metric in `text` (parsed as above).
std::map<std::string, std::string> prometheus_types(const std::string& text);

/// GET /metrics: throws unless 200 with a text/plain content type; parsed.
samples scrape(uint16_t port);

/// Scrapes every `interval` until `pred` holds or `timeout` passes; returns
/// the last scrape (the caller asserts on it).
samples scrape_until(uint16_t port, const std::function<bool(const samples&)>& pred,
                     std::chrono::milliseconds timeout,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(20));

/// GETs `path` every `interval` until it answers `status` or `timeout`
/// passes; returns the last status (0 when the request itself failed).
unsigned wait_for_status(uint16_t port, const std::string& path, unsigned status,
                         std::chrono::milliseconds timeout,
                         std::chrono::milliseconds interval = std::chrono::milliseconds(20));

/// VmRSS of `pid` in KiB, from /proc/<pid>/status.
long vm_rss_kib(pid_t pid);

} // namespace sb::test
