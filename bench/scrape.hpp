#pragma once
// Reads the server's Prometheus exposition (GET /metrics) over a blocking
// loopback connection with a timeout: the soak samples it every few
// seconds, so a simple, short stall of the load loop is fine there.

#include <cstdint>
#include <map>
#include <string>

namespace bench {

/// Every sample line without labels, by metric name; empty on failure.
std::map<std::string, double> scrape_metrics(uint32_t addr, uint16_t port, int timeout_ms);

} // namespace bench
