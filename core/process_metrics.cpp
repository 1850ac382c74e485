#include "core/process_metrics.hpp"

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace sb {

namespace {

void emit(std::ostream& out, const char* name, const char* type, const char* help,
          double value) {
  out << "# HELP " << name << ' ' << help << '\n'
      << "# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << std::fixed << value << std::defaultfloat << '\n';
}

long open_fds() {
  long n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (auto* entry = ::readdir(dir))
      if (entry->d_name[0] != '.')
        ++n;
    ::closedir(dir);
    --n; // the descriptor opendir itself holds
  }
  return n;
}

/// Seconds since the epoch when this process started: boot time plus the
/// start tick in /proc/self/stat (field 22, after the parenthesized name).
double start_time() {
  std::ifstream stat_file{"/proc/self/stat"};
  std::string stat;
  std::getline(stat_file, stat);
  auto close = stat.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream fields{stat.substr(close + 2)};
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i)
    ;
  std::ifstream proc_stat{"/proc/stat"};
  std::string key;
  double boot = 0;
  while (proc_stat >> key)
    if (key == "btime") {
      proc_stat >> boot;
      break;
    }
  return boot + std::stod(field.empty() ? "0" : field) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace

void render_process_metrics(std::ostream& out) {
  long pages_total = 0, pages_resident = 0;
  std::ifstream{"/proc/self/statm"} >> pages_total >> pages_resident;
  auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
             + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  emit(out, "process_cpu_seconds_total", "counter", "User and system CPU time in seconds.", cpu);
  emit(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
       static_cast<double>(pages_resident) * page);
  emit(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
       static_cast<double>(pages_total) * page);
  emit(out, "process_open_fds", "gauge", "Open file descriptors.",
       static_cast<double>(open_fds()));
  emit(out, "process_max_fds", "gauge", "Limit of open file descriptors.",
       static_cast<double>(files.rlim_cur));
  emit(out, "process_start_time_seconds", "gauge",
       "Start time of the process since the epoch in seconds.", start_time());
}

} // namespace sb
