#include "config/switchboard_config.hpp"

#include <caf/config_option_adder.hpp>
#include <caf/settings.hpp>
#include <fstream>
#include <thread>
#include <sstream>

#include "actors/log.hpp"

namespace sb {

switchboard_config::switchboard_config() {
  // CAF 0.17's work-stealing workers poll, then sleep up to 10 ms before
  // they see new work: milliseconds of latency per actor hop and a busy
  // idle. The sharing scheduler wakes a worker at once. One thread per core.
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", std::max(1u, std::thread::hardware_concurrency()));
  opt_group{custom_options_, "http"}
    .add(http_host, "host", "address to listen on (0.0.0.0 for every interface)")
    .add(http_port, "port", "TCP port, 1..65535")
    .add(ws_path, "ws-path", "path of the WebSocket endpoint")
    .add(web_root, "web-root", "folder with client/ and demo/, served at / and /switchboard.js")
    .add(allowed_origins, "allowed-origins",
         "comma-separated Origins allowed to upgrade (empty: any)")
    .add(io_threads, "threads", "asio threads running the sockets")
    .add(max_header_bytes, "max-header-bytes", "largest HTTP request header")
    .add(max_body_bytes, "max-body-bytes", "largest HTTP request body")
    .add(handshake_timeout, "handshake-timeout", "time to send a request / finish a close");
  opt_group{custom_options_, "global"}.add(broker, "broker",
                                          "memory (embedded, one node) or redis (cluster)");
  opt_group{custom_options_, "redis"}
    .add(redis_url, "url", "redis://[:password@]host:port[/db] or unix:///path; "
                           "several, comma-separated, shard the streams")
    .add(redis_connect_timeout, "connect-timeout", "time to connect to Redis")
    .add(redis_command_timeout, "command-timeout", "time for one Redis command")
    .add(redis_backoff_max, "backoff-max", "longest wait between reconnect attempts")
    .add(redis_pool_size, "pool-size", "command connections (per Redis server)");
  opt_group{custom_options_, "node"}.add(node_id, "id", "prefix of socket ids (random if empty)");
  opt_group{custom_options_, "limits"}
    .add(frame_size, "frame-size", "largest incoming frame in bytes (excess: close 1009)")
    .add(queue_size, "queue-size", "outgoing bytes queued per socket (excess: close 4008)")
    .add(commands_burst, "commands-burst", "commands a socket may send at once")
    .add(commands_per_second, "commands-per-second", "sustained command rate; 0 = unlimited")
    .add(specs_per_socket, "specs-per-socket", "plugin specs per socket")
    .add(ping_interval, "ping-interval", "time between pings")
    .add(pong_timeout, "pong-timeout", "time to answer a ping")
    .add(shutdown_drain, "shutdown-drain", "time sockets get to close at shutdown");
  opt_group{custom_options_, "chat"}
    .add(chat_history, "history", "messages in the history event")
    .add(chat_max_length, "max-length", "MAXLEN ~ of each <stream>:chat stream")
    .add(chat_max_text_bytes, "max-text-bytes", "longest message text in bytes");
  opt_group{custom_options_, "auth"}.add(
    auth_secret, "secret", "HS256 secret for socket tokens; empty turns auth off");
  opt_group{custom_options_, "api"}.add(
    api_key, "key", "Bearer key for the HTTP API under /api/; empty turns the API off");
  opt_group{custom_options_, "presence"}.add(
    presence_ttl, "ttl", "a node that dies without cleaning up: its users leave within this");
  opt_group{custom_options_, "demo"}.add(
    demo_routes, "enabled", "POST /api/demo/notify publishes test notifications without a key");
  opt_group{custom_options_, "log"}.add(log_level, "level", "debug, info, warning or error");
}

namespace {

using caf::get_if;

/// CAF drops an INI value whose type does not match its option; find such
/// values by reading the file again and comparing with what was kept.
std::optional<std::string> find_ignored_ini_value(const std::string& path,
                                                  const caf::settings& kept,
                                                  const caf::config_option_set& opts) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::string line;
  std::string group = "global";
  while (std::getline(in, line)) {
    auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == ';' || line[start] == '#')
      continue;
    line = line.substr(start);
    if (line[0] == '[') {
      group = line.substr(1, line.find(']') - 1);
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      return "malformed line in " + path + ": " + line;
    auto name = line.substr(0, line.find_first_of(" \t="));
    auto key = group == "global" ? name : group + "." + name;
    auto opt = opts.qualified_name_lookup(group, name);
    if (opt == nullptr)
      return "unknown option " + key + " in " + path;
    if (caf::get_if(&kept, key) == nullptr && group != "global")
      return "invalid value for " + key + " in " + path + ": " + line.substr(eq + 1);
  }
  return std::nullopt;
}

std::optional<std::string> check_range(const char* name, int64_t value, int64_t lo,
                                       int64_t hi) {
  if (value >= lo && value <= hi)
    return std::nullopt;
  std::ostringstream out;
  out << name << " must be in " << lo << ".." << hi << ", got " << value;
  return out.str();
}

std::chrono::milliseconds to_ms(caf::timespan t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t);
}

std::optional<std::string> check_values(const switchboard_config& c) {
  constexpr int64_t big = int64_t{1} << 40;
  std::optional<std::string> err;
  (err = check_range("http.port", c.http_port, 1, 65535))
    || (err = check_range("http.threads", c.io_threads, 1, 64))
    || (err = check_range("http.max-header-bytes", c.max_header_bytes, 512, 1 << 20))
    || (err = check_range("http.max-body-bytes", c.max_body_bytes, 0, big))
    || (err = check_range("limits.frame-size", c.frame_size, 128, big))
    || (err = check_range("limits.queue-size", c.queue_size, 1024, big))
    || (err = check_range("limits.commands-burst", c.commands_burst, 1, 1'000'000))
    || (err = check_range("limits.commands-per-second", c.commands_per_second, 0, 1'000'000))
    || (err = check_range("limits.specs-per-socket", c.specs_per_socket, 1, 1024))
    || (err = check_range("chat.history", c.chat_history, 0, 10'000))
    || (err = check_range("chat.max-length", c.chat_max_length, 1, big))
    || (err = check_range("chat.max-text-bytes", c.chat_max_text_bytes, 1, 1 << 20))
    || (err = check_range("redis.pool-size", c.redis_pool_size, 1, 64));
  if (err)
    return err;
  for (auto [name, t] : {std::pair{"http.handshake-timeout", c.handshake_timeout},
                         {"limits.ping-interval", c.ping_interval},
                         {"limits.pong-timeout", c.pong_timeout},
                         {"limits.shutdown-drain", c.shutdown_drain},
                         {"redis.connect-timeout", c.redis_connect_timeout},
                         {"redis.command-timeout", c.redis_command_timeout},
                         {"redis.backoff-max", c.redis_backoff_max},
                         {"presence.ttl", c.presence_ttl}})
    if (t.count() <= 0)
      return std::string{name} + " must be a positive duration such as 10s or 500ms";
  if (c.broker != "memory" && c.broker != "redis")
    return "broker must be \"memory\" or \"redis\", got \"" + c.broker + "\"";
  if (c.broker == "redis")
    if (auto urls = parse_redis_urls(c.redis_url); std::holds_alternative<std::string>(urls))
      return std::get<std::string>(urls);
  if (c.ws_path.empty() || c.ws_path[0] != '/')
    return "http.ws-path must start with /";
  if (c.http_host.empty())
    return "http.host must not be empty";
  if (!log::set_level(c.log_level))
    return "log.level must be debug, info, warning or error, got \"" + c.log_level + "\"";
  return std::nullopt;
}

settings to_settings(const switchboard_config& c) {
  settings s;
  s.http_host = c.http_host;
  s.http_port = static_cast<uint16_t>(c.http_port);
  s.ws_path = c.ws_path;
  s.web_root = c.web_root;
  s.auth_secret = c.auth_secret;
  s.api_key = c.api_key;
  s.demo_routes = c.demo_routes;
  s.presence_ttl = to_ms(c.presence_ttl);
  for (size_t pos = 0; pos < c.allowed_origins.size();) {
    auto end = c.allowed_origins.find_first_of(", ", pos);
    if (end == std::string::npos)
      end = c.allowed_origins.size();
    if (end > pos)
      s.allowed_origins.push_back(c.allowed_origins.substr(pos, end - pos));
    pos = end + 1;
  }
  s.io_threads = static_cast<size_t>(c.io_threads);
  s.max_header_bytes = static_cast<size_t>(c.max_header_bytes);
  s.max_body_bytes = static_cast<size_t>(c.max_body_bytes);
  s.handshake_timeout = to_ms(c.handshake_timeout);
  s.broker = c.broker;
  if (c.broker == "redis")
    s.redis_shards = std::get<std::vector<redis_endpoint>>(parse_redis_urls(c.redis_url));
  s.redis_connect_timeout = to_ms(c.redis_connect_timeout);
  s.redis_command_timeout = to_ms(c.redis_command_timeout);
  s.redis_backoff_max = to_ms(c.redis_backoff_max);
  s.redis_pool_size = static_cast<size_t>(c.redis_pool_size);
  s.node_id = c.node_id;
  s.max_frame_bytes = static_cast<size_t>(c.frame_size);
  s.max_queue_bytes = static_cast<size_t>(c.queue_size);
  s.commands_burst = static_cast<uint32_t>(c.commands_burst);
  s.commands_per_second = static_cast<uint32_t>(c.commands_per_second);
  s.max_specs = static_cast<uint32_t>(c.specs_per_socket);
  s.ping_interval = to_ms(c.ping_interval);
  s.pong_timeout = to_ms(c.pong_timeout);
  s.shutdown_drain = to_ms(c.shutdown_drain);
  s.chat_history = static_cast<uint32_t>(c.chat_history);
  s.chat_max_length = static_cast<uint32_t>(c.chat_max_length);
  s.chat_max_text_bytes = static_cast<uint32_t>(c.chat_max_text_bytes);
  s.log_level = c.log_level;
  return s;
}

std::optional<std::string> config_file_arg(int argc, char** argv) {
  static constexpr std::string_view flag = "--config-file=";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg{argv[i]};
    if (arg.substr(0, flag.size()) == flag)
      return std::string{arg.substr(flag.size())};
  }
  return std::nullopt;
}

} // namespace

std::variant<settings, config_exit> load_config(switchboard_config& cfg, int argc,
                                                char** argv) {
  auto file = config_file_arg(argc, argv);
  if (file && !std::ifstream{*file})
    return config_exit{2, "cannot read config file " + *file};
  if (auto err = cfg.parse(argc, argv))
    return config_exit{2, "invalid configuration: " + caf::to_string(err)};
  if (cfg.cli_helptext_printed)
    return config_exit{0, {}};
  if (file)
    if (auto err = find_ignored_ini_value(*file, cfg.content, cfg.options()))
      return config_exit{2, *err};
  if (auto err = check_values(cfg))
    return config_exit{2, *err};
  return to_settings(cfg);
}

} // namespace sb
