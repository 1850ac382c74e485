#pragma once
// What the bench reads about processes: the server's RSS and CPU time from
// /proc/<pid>, its own CPU time and heap allocation count, and the
// descriptor limit it raises at start.

#include <cstdint>

namespace bench {

/// VmRSS of `pid` in bytes, or -1 when unreadable. `field` picks another
/// line of /proc/PID/status, such as "RssAnon:" (heap and stacks, without
/// the code and libraries mapped from files).
int64_t rss_bytes(int pid, const char* field = "VmRSS:");
/// Descriptors `pid` has open (entries of /proc/PID/fd), or -1.
int64_t open_fds(int pid);
/// User + system CPU seconds of `pid` (0 = this process), or -1.
double cpu_seconds(int pid);
/// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
uint64_t raise_nofile();
/// Heap allocations (operator new) since start; see alloc_counter.cpp.
uint64_t allocations();

} // namespace bench
