#include "bench/scenarios.hpp"

#include <cstdarg>
#include <cstdio>

namespace bench {

std::string url_encode(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                 || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string chat_target(const options& opts, const std::string& stream) {
  return clients_target(opts, R"([{"name":"chat","stream":")" + stream + R"(","strategy":")"
                                + opts.strategy + R"("}])");
}

std::string clients_target(const options& opts, const std::string& specs) {
  return opts.path + "?clients=" + url_encode(specs);
}

void progress(const options& opts, const char* fmt, ...) {
  if (opts.quiet)
    return;
  std::fprintf(stderr, "[%s] ", opts.scenario.c_str());
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fputc('\n', stderr);
}

} // namespace bench
