// Fuzzes the configuration an operator writes (config/): the INI reader,
// the command line, the environment and the validation of every value
// into settings (config/switchboard_config: integers, durations, addresses,
// Redis URLs, choices). Input: the INI text, then NUL-separated arguments;
// an argument `SWITCHBOARD_...=...` goes to the environment instead.
// The INI text is handed over as a file (a memfd), as --config-file does.
// Options naming key files (auth.public-key, auth.secret-file,
// api.key-file) are left out of the full load: they make the loader read
// whatever file they name, which is not parsing.
// Checked beyond "no crash, no leak": errors name where the bad value came
// from, and a configuration that loads has its values in range.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/check.hpp"
#include "config/command_line.hpp"
#include "config/ini_reader.hpp"
#include "config/switchboard_config.hpp"
#include "config/value_parser.hpp"
#include "config/redis_url.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

bool reads_a_file(std::string_view key) {
  return key == "auth.public-key" || key == "auth.secret-file" || key == "api.key-file";
}

/// The INI text as a file the loader can open by name.
class memory_file {
public:
  explicit memory_file(std::string_view text) : fd_(::memfd_create("fuzz.ini", 0)) {
    check(fd_ >= 0);
    check(::write(fd_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  ~memory_file() { ::close(fd_); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
  int fd_;
};

/// Every value also through the typed parsers, whatever its option.
void parse_values(const std::vector<ini_value>& values) {
  for (auto& v : values) {
    check(!v.key.empty() && v.line > 0);
    parse_integer(v.text);
    parse_boolean(v.text);
    parse_duration(v.text);
    split_list(v.text);
    parse_redis_urls(v.text);
  }
}

void check_settings(const settings& s) {
  check(s.http_port >= 1 && s.io_threads >= 1 && s.redis_pool_size >= 1);
  check(s.max_frame_bytes >= 128 && s.max_specs >= 1 && !s.ws_path.empty());
  check(s.broker == "memory" || !s.redis_shards.empty());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input{reinterpret_cast<const char*>(data), size};
  auto end_of_ini = input.find('\0');
  std::string ini = input.substr(0, end_of_ini);
  auto parsed = parse_ini(ini, "fuzz.ini");
  bool file_options = false;
  if (auto* err = std::get_if<std::string>(&parsed)) {
    // The loader reads the same text and stops at the same line: what
    // follows would only repeat this, through a file, at ten times the cost.
    check(err->rfind("fuzz.ini:", 0) == 0);
    return 0;
  } else {
    parse_values(std::get<std::vector<ini_value>>(parsed));
    for (auto& v : std::get<std::vector<ini_value>>(parsed))
      file_options = file_options || reads_a_file(v.key);
  }
  std::vector<std::string> args{"switchboard"};
  std::vector<std::string> env;
  for (size_t at = end_of_ini; at != std::string::npos && at < input.size();) {
    auto next = input.find('\0', at + 1);
    auto arg = input.substr(at + 1, next == std::string::npos ? next : next - at - 1);
    (arg.rfind("SWITCHBOARD_", 0) == 0 ? env : args).push_back(arg);
    at = next;
  }
  std::vector<const char*> argv;
  for (auto& a : args)
    argv.push_back(a.c_str());
  auto cl = parse_command_line(static_cast<int>(argv.size()), argv.data());
  if (std::holds_alternative<std::string>(cl) || file_options)
    return 0;
  auto& line = std::get<command_line>(cl);
  for (auto& f : line.options)
    if (reads_a_file(f.key))
      return 0;
  std::vector<const char*> envp;
  for (auto& e : env)
    if (e.find("FILE") == std::string::npos && e.find("PUBLIC_KEY") == std::string::npos)
      envp.push_back(e.c_str());
  envp.push_back(nullptr);
  memory_file file{ini};
  line.config_file = file.path();
  auto loaded = load_config(line, envp.data());
  if (auto* err = std::get_if<std::string>(&loaded))
    check(!err->empty());
  else
    check_settings(std::get<loaded_config>(loaded).values);
  return 0;
}
