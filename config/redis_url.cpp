#include "config/redis_url.hpp"

#include <charconv>

namespace sb {

std::string redis_endpoint::describe() const {
  if (via_sentinel())
    return "sentinel:" + master_name + (db ? "/" + std::to_string(db) : "");
  if (!unix_path.empty())
    return unix_path + (db ? "/" + std::to_string(db) : "");
  return host + ":" + std::to_string(port) + (db ? "/" + std::to_string(db) : "");
}

namespace {

bool parse_int(std::string_view text, int& out, int lo, int hi) {
  int value = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc{} || end != text.data() + text.size() || value < lo
      || value > hi)
    return false;
  out = value;
  return true;
}

/// `host[:port]` into `host` and `port` (kept when absent); the problem,
/// or null.
const char* parse_host_port(std::string_view text, std::string& host, int& port) {
  auto colon = text.rfind(':');
  host = std::string{text.substr(0, colon)};
  if (host.empty())
    return "missing host";
  if (colon != std::string_view::npos && !parse_int(text.substr(colon + 1), port, 1, 65535))
    return "the port must be 1..65535";
  return nullptr;
}

std::variant<redis_endpoint, std::string> parse_unix(std::string_view rest,
                                                     std::string_view url) {
  redis_endpoint ep;
  auto q = rest.find('?');
  ep.unix_path = std::string{rest.substr(0, q)};
  if (ep.unix_path.empty() || ep.unix_path[0] != '/')
    return "redis.url " + std::string{url} + ": expected unix:///absolute/path";
  if (q != std::string_view::npos) {
    auto query = rest.substr(q + 1);
    if (query.substr(0, 3) != "db=" || !parse_int(query.substr(3), ep.db, 0, 1 << 20))
      return "redis.url " + std::string{url} + ": only ?db=N is understood";
  }
  return ep;
}

std::variant<redis_endpoint, std::string> parse_tcp(std::string_view rest,
                                                    std::string_view url) {
  auto fail = [&](const char* why) { return "redis.url " + std::string{url} + ": " + why; };
  redis_endpoint ep;
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()
      && !parse_int(rest.substr(slash + 1), ep.db, 0, 1 << 20))
    return fail("the database must be a number");
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    auto colon = userinfo.find(':');
    ep.password = std::string{colon == std::string_view::npos ? userinfo
                                                               : userinfo.substr(colon + 1)};
    authority.remove_prefix(at + 1);
  }
  if (auto err = parse_host_port(authority, ep.host, ep.port))
    return fail(err);
  return ep;
}

} // namespace

std::variant<redis_endpoint, std::string> parse_redis_url(std::string_view url) {
  constexpr std::string_view tcp = "redis://";
  constexpr std::string_view unix_scheme = "unix://";
  if (url.substr(0, tcp.size()) == tcp)
    return parse_tcp(url.substr(tcp.size()), url);
  if (url.substr(0, unix_scheme.size()) == unix_scheme)
    return parse_unix(url.substr(unix_scheme.size()), url);
  return "redis.url " + std::string{url} + ": expected redis://host:port or unix:///path";
}

std::variant<std::vector<redis_endpoint>, std::string> parse_redis_urls(std::string_view urls) {
  std::vector<redis_endpoint> out;
  size_t pos = 0;
  while (pos < urls.size()) {
    auto end = urls.find_first_of(", ", pos);
    auto one = urls.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? urls.size() : end + 1;
    if (one.empty())
      continue;
    auto parsed = parse_redis_url(one);
    if (auto err = std::get_if<std::string>(&parsed))
      return *err;
    out.push_back(std::get<redis_endpoint>(parsed));
  }
  if (out.empty())
    return std::string{"redis.url must name at least one server"};
  return out;
}

std::variant<sentinel_address, std::string> parse_sentinel_address(std::string_view text) {
  sentinel_address out;
  if (auto err = parse_host_port(text, out.host, out.port))
    return "redis.sentinels " + std::string{text} + ": expected host:port, " + err;
  return out;
}

} // namespace sb
