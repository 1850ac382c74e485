#include "bench/scrape.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "bench/clock.hpp"

namespace bench {

namespace {

/// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_fd(int fd, short events, uint64_t deadline) {
  uint64_t now = now_ns();
  if (now >= deadline)
    return false;
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, int((deadline - now) / ms_ns) + 1) == 1;
}

std::string http_get(uint32_t addr, uint16_t port, const std::string& path, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return {};
  uint64_t deadline = now_ns() + uint64_t(timeout_ms) * ms_ns;
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_addr.s_addr = addr;
  dst.sin_port = htons(port);
  std::string out;
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n";
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0
            || errno == EINPROGRESS;
  ok = ok && wait_fd(fd, POLLOUT, deadline)
       && ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size());
  char buf[65536];
  while (ok && wait_fd(fd, POLLIN, deadline)) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
      break;
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

} // namespace

std::map<std::string, double> scrape_metrics(uint32_t addr, uint16_t port, int timeout_ms) {
  std::map<std::string, double> out;
  auto text = http_get(addr, port, "/metrics", timeout_ms);
  auto body = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos)
    return out;
  std::istringstream lines(text.substr(body + 4));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.find('{') != std::string::npos)
      continue;
    auto space = line.find(' ');
    if (space != std::string::npos)
      out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

} // namespace bench
