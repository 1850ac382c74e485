#pragma once
// A configuration loaded the way the binary loads it, from an INI text (in
// a temporary file), flags and environment: what the option tests check.

#include <fstream>
#include <string>
#include <unistd.h>
#include <variant>
#include <vector>

#include "config/command_line.hpp"
#include "config/ini_reader.hpp"
#include "config/switchboard_config.hpp"

namespace sb::test {

/// The error parse_ini gives for `text` read from "switchboard.ini"; empty
/// when it parses.
inline std::string ini_error(const std::string& text) {
  auto r = parse_ini(text, "switchboard.ini");
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

/// Loads a configuration from an INI text, flags and environment.
class config_run {
public:
  config_run(const std::string& ini, std::vector<const char*> flags = {},
             std::vector<const char*> env = {}) {
    char name[] = "/tmp/switchboard-config-XXXXXX";
    int fd = ::mkstemp(name);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << ini;
    std::vector<const char*> args{"switchboard", "--config-file", path_.c_str()};
    args.insert(args.end(), flags.begin(), flags.end());
    auto cl = parse_command_line(static_cast<int>(args.size()), args.data());
    if (auto err = std::get_if<std::string>(&cl)) {
      result_ = *err;
      return;
    }
    env.push_back(nullptr);
    result_ = load_config(std::get<command_line>(cl), env.data());
  }
  ~config_run() { ::unlink(path_.c_str()); }

  const std::string& path() const { return path_; }
  std::string error() const {
    auto e = std::get_if<std::string>(&result_);
    return e ? *e : "";
  }
  const loaded_config& loaded() const { return std::get<loaded_config>(result_); }
  const settings& values() const { return loaded().values; }

private:
  std::string path_;
  std::variant<loaded_config, std::string> result_;
};

} // namespace sb::test
