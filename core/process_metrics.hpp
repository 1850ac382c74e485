#pragma once
// The standard process metrics of Prometheus client libraries
// (process_resident_memory_bytes, process_open_fds, process_max_fds,
// process_cpu_seconds_total, process_start_time_seconds,
// process_virtual_memory_bytes), read from /proc and getrusage when
// /metrics is scraped. Linux only, like the rest of the server.

#include <ostream>

namespace sb {

/// Appends the process metrics in Prometheus text format.
void render_process_metrics(std::ostream& out);

} // namespace sb
