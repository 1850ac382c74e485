#include "config/switchboard_config.hpp"

#include <boost/asio/ip/address.hpp>
#include <caf/atom.hpp>
#include <caf/settings.hpp>
#include <limits.h>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "config/auth_keys.hpp"
#include "config/backend_url.hpp"
#include "config/option_table.hpp"
#include "config/tls_files.hpp"
#include "core/plugin_spec.hpp"
#include "core/log.hpp"
#include "config/value_parser.hpp"

namespace sb {

namespace {

using std::chrono::milliseconds;

/// Typed reads of the raw values; the first problem is kept, with the
/// origin of the value that caused it.
class converter {
public:
  explicit converter(const option_values& v) : v_(v) {}

  const std::optional<std::string>& error() const { return error_; }

  std::string text(std::string_view key) { return v_.at(key).text; }

  int64_t integer(std::string_view key, int64_t lo, int64_t hi) {
    auto& v = v_.at(key);
    auto n = parse_integer(v.text);
    if (!n)
      fail(key, "expected an integer for " + std::string{key} + ", got \"" + v.text + "\"");
    else if (*n < lo || *n > hi)
      fail(key, std::string{key} + " must be in " + std::to_string(lo) + ".." + std::to_string(hi)
                  + ", got " + v.text);
    return n && *n >= lo && *n <= hi ? *n : lo;
  }

  bool boolean(std::string_view key) {
    auto b = parse_boolean(v_.at(key).text);
    if (!b)
      fail(key, "expected true or false for " + std::string{key} + ", got \"" + v_.at(key).text
                  + "\"");
    return b.value_or(false);
  }

  /// A positive duration, in milliseconds.
  milliseconds duration(std::string_view key, bool allow_zero = false) {
    auto d = parse_duration(v_.at(key).text);
    auto ms = d ? std::chrono::duration_cast<milliseconds>(*d) : milliseconds{0};
    if (!d || (ms.count() <= 0 && !(allow_zero && d->count() == 0)))
      fail(key, std::string{key} + " must be a " + (allow_zero ? "" : "positive ")
                  + "duration such as 10s or 500ms, got \"" + v_.at(key).text + "\"");
    return ms;
  }

  std::vector<std::string> list(std::string_view key) {
    auto items = parse_list(v_.at(key).text);
    if (!items)
      fail(key, *shape_error(value_kind::list, key, v_.at(key).text));
    return items.value_or(std::vector<std::string>{});
  }

  const std::string& origin(std::string_view key) const { return v_.at(key).origin; }

  /// True when `key` holds something other than its default (the shipped
  /// INI file sets every option to its default: that is no choice).
  bool changed(std::string_view key) const {
    auto opt = find_option(key);
    return opt && v_.at(key).text != opt->fallback;
  }

  /// `key` must be one of `choices`.
  std::string one_of(std::string_view key, std::initializer_list<std::string_view> choices) {
    auto& value = v_.at(key).text;
    for (auto c : choices)
      if (c == value)
        return value;
    std::string list;
    for (auto c : choices)
      list += (list.empty() ? "" : ", ") + std::string{c};
    fail(key, std::string{key} + " must be one of " + list + ", got \"" + value + "\"");
    return std::string{*choices.begin()};
  }

  void fail(std::string_view key, std::string message) {
    fail_at(v_.at(key).origin, std::move(message));
  }

  void fail_at(const std::string& origin, std::string message) {
    if (!error_)
      error_ = origin + ": " + std::move(message);
  }

private:
  const option_values& v_;
  std::optional<std::string> error_;
};

bool is_directory(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool file_exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The listener binds to an address, not a name: say so before starting.
void check_address(converter& c, std::string_view key, const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  if (ec)
    c.fail(key, std::string{key} + " must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, got \""
                  + host + "\"");
}

void read_http(converter& c, settings& s) {
  constexpr int64_t big = int64_t{1} << 40;
  s.http_host = c.text("http.host");
  check_address(c, "http.host", s.http_host);
  s.http_port = static_cast<uint16_t>(c.integer("http.port", 1, 65535));
  s.ws_path = c.text("http.ws-path");
  if (s.ws_path.empty() || s.ws_path[0] != '/')
    c.fail("http.ws-path", "http.ws-path must start with /");
  s.allowed_origins = split_list(c.text("http.allowed-origins"));
  s.io_threads = static_cast<size_t>(c.integer("http.threads", 1, 64));
  s.max_header_bytes = static_cast<size_t>(c.integer("http.max-header-bytes", 512, 1 << 20));
  s.max_body_bytes = static_cast<size_t>(c.integer("http.max-body-bytes", 0, big));
  s.handshake_timeout = c.duration("http.handshake-timeout");
  s.metrics_port = static_cast<uint16_t>(c.integer("metrics.port", 0, 65535));
  s.metrics_host = c.text("metrics.host");
  if (s.metrics_host.empty())
    s.metrics_host = s.http_host;
  else
    check_address(c, "metrics.host", s.metrics_host);
  if (s.metrics_port != 0 && s.metrics_port == s.http_port && s.metrics_host == s.http_host)
    c.fail("metrics.port", "metrics.port must differ from http.port");
}

/// TLS on the admin port: all three files or none, each loadable.
void read_admin_tls(converter& c, settings& s) {
  s.admin_certificate = c.text("admin.certificate");
  s.admin_key = c.text("admin.key");
  s.admin_ca = c.text("admin.ca");
  int given = !s.admin_certificate.empty() + !s.admin_key.empty() + !s.admin_ca.empty();
  if (given == 0)
    return;
  if (given != 3) {
    c.fail("admin.certificate", "TLS on the admin port needs admin.certificate, admin.key and "
                                "admin.ca, all three");
    s.admin_certificate.clear();
    return;
  }
  if (s.admin_port == 0)
    return; // no admin port: the files are not used
  if (auto err = check_tls_files("admin", s.admin_certificate, s.admin_key, s.admin_ca);
      !err.empty())
    c.fail("admin.certificate", err);
}

/// Without TLS the admin port answers anyone who reaches it, without a
/// password: then it stays on this machine.
void read_admin(converter& c, settings& s) {
  s.admin_port = static_cast<uint16_t>(c.integer("admin.port", 0, 65535));
  s.admin_host = c.text("admin.host");
  read_admin_tls(c, s);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(s.admin_host, ec);
  if (ec)
    return check_address(c, "admin.host", s.admin_host);
  if (!address.is_loopback() && !s.admin_tls())
    c.fail("admin.host", "admin.host other than a loopback address (127.0.0.1, ::1) needs TLS "
                         "(admin.certificate, admin.key, admin.ca): without it anyone who "
                         "reaches the port could close sockets (got \"" + s.admin_host + "\")");
  if (s.admin_port != 0 && (s.admin_port == s.http_port || s.admin_port == s.metrics_port))
    c.fail("admin.port", "admin.port must differ from http.port and metrics.port");
}

/// Sentinel mode: one endpoint naming the master and its sentinels, with
/// the primary's password and database from their own options (no URL:
/// the sentinels say where the primary is).
void read_sentinel(converter& c, settings& s) {
  if (c.changed("redis.url"))
    return c.fail("redis.url", "redis.url names fixed servers; with redis.mode = sentinel the "
                               "sentinels say where the primary is (set redis.sentinels, "
                               "redis.master-name, and redis.password / redis.db if needed)");
  redis_endpoint ep;
  ep.master_name = c.text("redis.master-name");
  if (ep.master_name.empty())
    return c.fail("redis.mode", "redis.mode = sentinel needs redis.master-name (the name the "
                                "sentinels monitor, as in `sentinel monitor <name> ...`)");
  for (auto& item : c.list("redis.sentinels")) {
    auto parsed = parse_sentinel_address(item);
    if (auto err = std::get_if<std::string>(&parsed))
      return c.fail("redis.sentinels", *err);
    ep.sentinels.push_back(std::get<sentinel_address>(parsed));
  }
  if (ep.sentinels.empty())
    return c.fail("redis.mode", "redis.mode = sentinel needs redis.sentinels (host:port of each "
                                "sentinel, say [\"10.0.0.1:26379\", \"10.0.0.2:26379\"])");
  ep.password = c.text("redis.password");
  ep.sentinel_password = c.text("redis.sentinel-password");
  ep.db = static_cast<int>(c.integer("redis.db", 0, 1 << 20));
  s.redis_shards = {std::move(ep)};
}

/// These options only mean something in sentinel mode: elsewhere the URL
/// says it all, and a setting that silently does nothing is a trap.
void refuse_sentinel_options(converter& c, const std::string& mode) {
  for (auto key : {"redis.master-name", "redis.password", "redis.db", "redis.sentinel-password"})
    if (c.changed(key))
      return c.fail(key, std::string{key} + " is for redis.mode = sentinel, not " + mode
                           + (std::string_view{key} == "redis.password"
                                  || std::string_view{key} == "redis.db"
                                ? " (put the password and database in redis.url)"
                                : ""));
  if (!c.list("redis.sentinels").empty())
    c.fail("redis.sentinels", "redis.sentinels is for redis.mode = sentinel, not " + mode);
}

/// Cluster mode: redis.url lists seeds, any nodes of the cluster, which
/// say where the masters are. A cluster speaks TCP and has database 0 only.
void check_cluster_seeds(converter& c, const settings& s) {
  for (auto& ep : s.redis_shards) {
    if (!ep.unix_path.empty())
      return c.fail("redis.url", "redis.mode = cluster needs TCP seeds (redis://host:port): the "
                                 "cluster names its masters by address, got " + ep.describe());
    if (ep.db != 0)
      return c.fail("redis.url", "redis.mode = cluster has database 0 only, got /"
                                   + std::to_string(ep.db) + " in " + ep.describe());
  }
}

/// redis.mode and the servers it names. Without redis.mode, one URL is
/// single and several are sharded (what every configuration meant before
/// the option existed).
void read_redis(converter& c, settings& s) {
  auto mode = c.text("redis.mode");
  if (!mode.empty())
    mode = c.one_of("redis.mode", {"single", "sharded", "cluster", "sentinel"});
  if (mode == "sentinel") {
    s.redis_mode = mode;
    read_sentinel(c, s);
  } else {
    auto urls = parse_redis_urls(c.text("redis.url"));
    if (auto err = std::get_if<std::string>(&urls))
      return c.fail("redis.url", *err);
    s.redis_shards = std::get<std::vector<redis_endpoint>>(urls);
    if (mode.empty())
      mode = s.redis_shards.size() > 1 ? "sharded" : "single";
    if (mode == "single" && s.redis_shards.size() > 1)
      return c.fail("redis.mode", "redis.mode = single takes one server, but redis.url lists "
                                  + std::to_string(s.redis_shards.size())
                                  + " (set redis.mode = sharded to spread streams over them)");
    s.redis_mode = mode;
    refuse_sentinel_options(c, mode);
    if (mode == "cluster")
      check_cluster_seeds(c, s);
  }
  auto wait = static_cast<int>(c.integer("redis.wait-replicas", 0, 64));
  for (auto& ep : s.redis_shards)
    ep.wait_replicas = wait;
}

void read_broker(converter& c, settings& s) {
  s.broker = c.one_of("broker", {"memory", "redis"});
  if (s.broker == "redis")
    read_redis(c, s);
  s.redis_connect_timeout = c.duration("redis.connect-timeout");
  s.redis_command_timeout = c.duration("redis.command-timeout");
  s.redis_backoff_max = c.duration("redis.backoff-max");
  s.redis_pool_size = static_cast<size_t>(c.integer("redis.pool-size", 1, 64));
  s.node_id = c.text("node.id");
  s.presence_ttl = c.duration("presence.ttl");
  s.presence_max_list = static_cast<uint32_t>(c.integer("presence.max-list", 0, 10'000'000));
}

void read_limits(converter& c, settings& s) {
  constexpr int64_t big = int64_t{1} << 40;
  s.max_frame_bytes = static_cast<size_t>(c.integer("limits.frame-size", 128, big));
  s.max_queue_bytes = static_cast<size_t>(c.integer("limits.queue-size", 1024, big));
  s.commands_burst = static_cast<uint32_t>(c.integer("limits.commands-burst", 1, 1'000'000));
  s.commands_per_second
    = static_cast<uint32_t>(c.integer("limits.commands-per-second", 0, 1'000'000));
  s.max_specs = static_cast<uint32_t>(c.integer("limits.specs-per-socket", 1, 1024));
  s.ping_interval = c.duration("limits.ping-interval");
  s.pong_timeout = c.duration("limits.pong-timeout");
  s.shutdown_drain = c.duration("limits.shutdown-drain");
  s.chat_history = static_cast<uint32_t>(c.integer("chat.history", 0, 10'000));
  s.chat_max_length = static_cast<uint32_t>(c.integer("chat.max-length", 1, big));
  s.chat_max_text_bytes = static_cast<uint32_t>(c.integer("chat.max-text-bytes", 1, 1 << 20));
  s.chat_max_join_leave
    = static_cast<uint32_t>(c.integer("chat.max-join-leave", 0, 10'000'000));
}

/// The origin of the first option set in section `group`.`name` (for
/// errors about the plugin or consumer as a whole), or "default".
std::string section_origin(const option_values& v, std::string_view group,
                           const std::string& name) {
  for (auto& [key, value] : v.values)
    if (instance_of(key) == name && group_of(key) == group && !value.is_default())
      return value.origin;
  return "default";
}

void read_proxy_url(converter& c, const std::string& key, custom_plugin_settings& p) {
  auto url = parse_backend_url(p.proxy_url);
  if (auto err = std::get_if<std::string>(&url))
    return c.fail(key, key + ": " + *err);
  auto& u = std::get<backend_url>(url);
  p.proxy_host = u.host;
  p.proxy_port = u.port;
  p.proxy_target = u.target;
}

/// One `[plugins.<name>]`: a relay (relay = true, events) or a proxy (proxy
/// = URL), never both, never neither.
custom_plugin_settings read_custom_plugin(converter& c, const option_values& v,
                                          const std::string& name) {
  auto key = [&](const char* option) { return "plugins." + name + "." + option; };
  custom_plugin_settings p;
  p.name = name;
  p.origin = section_origin(v, "plugins", name);
  bool relay = c.boolean(key("relay"));
  p.proxy_url = c.text(key("proxy"));
  p.events = c.list(key("events"));
  p.timeout = c.duration(key("timeout"));
  p.max_length = static_cast<uint64_t>(c.integer(key("max-length"), 1, int64_t{1} << 40));
  p.kind = relay ? custom_kind::relay : custom_kind::proxy;
  if (relay && !p.proxy_url.empty())
    c.fail(key("proxy"), "plugins." + name + " sets both relay = true (" + c.origin(key("relay"))
                           + ") and proxy; a plugin is one or the other");
  else if (!relay && p.proxy_url.empty())
    c.fail_at(p.origin, "plugins." + name + " needs relay = true or proxy = \"http://...\"");
  if (!p.proxy_url.empty())
    read_proxy_url(c, key("proxy"), p);
  if (p.timeout > std::chrono::seconds(9))
    c.fail(key("timeout"), key("timeout") + " must be at most 9s: a socket's plugins have 10 s "
                                            "to open, the backend's answer included");
  if (relay && p.events.empty())
    c.fail(key("relay"), "plugins." + name + ".events must list the client events the relay "
                         "passes on");
  for (auto& e : p.events)
    if (!valid_event_name(e))
      c.fail(key("events"), key("events") + ": \"" + e + "\" is not an event name "
                            "(1..64 characters of [A-Za-z0-9_.:-])");
  return p;
}

/// The names given in `group`'s sections (`votes` of `[plugins.votes]`), in order.
std::vector<std::string> section_names(const option_values& v, std::string_view group) {
  std::vector<std::string> out;
  for (auto& [key, value] : v.values) {
    auto name = instance_of(key);
    if (!name.empty() && group_of(key) == group && (out.empty() || out.back() != name))
      out.emplace_back(name);
  }
  return out;
}

/// Whether `[plugins.<name>]` only says where an existing plugin runs
/// (`placement`), rather than defining a relay or a proxy.
bool places_only(const option_values& v, const std::string& name) {
  for (auto& [key, value] : v.values)
    if (instance_of(key) == name && group_of(key) == "plugins" && !value.is_default()
        && key != "plugins." + name + ".placement")
      return false;
  return true;
}

void read_placement(converter& c, const std::string& name, settings& s) {
  auto key = "plugins." + name + ".placement";
  if (c.one_of(key, {"local", "worker"}) != "worker")
    return;
  s.worker_plugins.push_back(name);
  if (s.admin_port == 0)
    c.fail(key, key + " = worker needs admin.port: workers join a node there");
}

void read_plugins(converter& c, const option_values& v, settings& s) {
  s.plugin_libraries = c.list("plugins.load");
  for (auto& name : section_names(v, "plugins")) {
    read_placement(c, name, s);
    if (!places_only(v, name))
      s.custom_plugins.push_back(read_custom_plugin(c, v, name));
  }
}

/// One `[consumers.<name>]`: a glob and a webhook, both required.
consumer_settings read_consumer(converter& c, const option_values& v, const std::string& name) {
  auto key = [&](const char* option) { return "consumers." + name + "." + option; };
  consumer_settings out;
  out.name = name;
  out.origin = section_origin(v, "consumers", name);
  out.streams = c.text(key("streams"));
  out.webhook_url = c.text(key("webhook"));
  out.max_attempts = static_cast<uint32_t>(c.integer(key("max-attempts"), 1, 1000));
  out.claim_after = c.duration(key("claim-after"));
  out.retry_delay = c.duration(key("retry-delay"));
  out.timeout = c.duration(key("timeout"));
  if (out.streams.empty())
    c.fail_at(out.origin, key("streams") + " must name the stream keys to read, a glob such "
                                           "as \"room:*:chat\"");
  if (out.webhook_url.empty()) {
    c.fail_at(out.origin, key("webhook") + " must be the http:// URL entries are POSTed to");
    return out;
  }
  auto url = parse_backend_url(out.webhook_url);
  if (auto err = std::get_if<std::string>(&url)) {
    c.fail(key("webhook"), key("webhook") + ": " + *err);
    return out;
  }
  auto& u = std::get<backend_url>(url);
  out.webhook_host = u.host;
  out.webhook_port = u.port;
  out.webhook_target = u.target;
  return out;
}

/// The consumers a worker runs. They read Redis streams with consumer
/// groups: the memory broker has none to share between processes.
void read_consumers(converter& c, const option_values& v, settings& s) {
  for (auto& name : section_names(v, "consumers"))
    s.consumers.push_back(read_consumer(c, v, name));
  if (!s.consumers.empty() && s.broker != "redis")
    c.fail_at(s.consumers.front().origin,
              "consumers." + s.consumers.front().name + " needs broker = redis: consumers "
              "read Redis streams (broker is " + s.broker + ", from " + c.origin("broker") + ")");
  else if (!s.consumers.empty() && s.redis_mode == "cluster")
    c.fail_at(s.consumers.front().origin,
              "consumers." + s.consumers.front().name + " cannot run with redis.mode = cluster "
              "yet: consumers find their streams with SCAN on one server (docs/redis.md)");
}

void read_runtime(converter& c, settings& s) {
  s.demo_routes = c.boolean("demo.enabled");
  s.log_level = c.one_of("log.level", {"debug", "info", "warning", "error"});
  s.log_format = c.one_of("log.format", {"text", "json"});
  auto threads = c.integer("scheduler.max-threads", 0, 1024);
  s.scheduler_threads = threads > 0 ? static_cast<size_t>(threads)
                                    : std::max(1u, std::thread::hardware_concurrency());
  s.scheduler_policy = c.one_of("scheduler.policy", {"sharing", "stealing"});
}

/// `value_key` from its own option or from `file_key`'s file, not both.
std::string secret(converter& c, const option_values& v, std::string_view value_key,
                   std::string_view file_key) {
  auto value = c.text(value_key);
  auto file = c.text(file_key);
  if (file.empty())
    return value;
  if (!value.empty()) {
    c.fail(file_key, "set " + std::string{value_key} + " or " + std::string{file_key}
                       + ", not both (" + std::string{value_key} + " comes from "
                       + v.at(value_key).origin + ")");
    return value;
  }
  auto loaded = load_secret_file(file);
  if (loaded.index() == 1) {
    c.fail(file_key, std::string{file_key} + ": " + std::get<1>(loaded));
    return {};
  }
  return std::get<0>(loaded);
}

void read_auth(converter& c, const option_values& v, settings& s) {
  s.auth.secret = secret(c, v, "auth.secret", "auth.secret-file");
  s.api_key = secret(c, v, "api.key", "api.key-file");
  for (auto& path : split_list(c.text("auth.public-key"))) {
    auto key = load_public_key(path);
    if (auto err = std::get_if<std::string>(&key))
      c.fail("auth.public-key", *err);
    else
      s.auth.public_keys.push_back(std::get<public_key>(std::move(key)));
  }
  s.auth.issuer = c.text("auth.issuer");
  s.auth.audience = c.text("auth.audience");
  s.auth.leeway = std::chrono::duration_cast<std::chrono::seconds>(
    c.duration("auth.leeway", true));
}

std::string executable_dir() {
  char buf[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

std::string canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string{buf} : path;
}

void read_web_root(const option_values& v, settings& s, std::vector<std::string>& warnings) {
  auto& root = v.at("http.web-root");
  if (!root.is_default()) {
    s.web_root = root.text;
    if (!s.web_root.empty() && !is_directory(s.web_root))
      warnings.push_back("http.web-root " + s.web_root + " (from " + root.origin
                         + ") does not exist: / and /switchboard.js will answer 404");
    return;
  }
  auto candidates = default_web_roots();
  for (auto& dir : candidates)
    if (file_exists(dir + "/demo/index.html") || file_exists(dir + "/client/switchboard.js")) {
      s.web_root = canonical(dir);
      return;
    }
  warnings.push_back("no demo or client found next to the binary (looked in " + candidates[0]
                     + " and " + candidates[1]
                     + "): / and /switchboard.js will answer 404; set http.web-root");
}

} // namespace

std::vector<std::string> default_web_roots() {
  auto dir = executable_dir();
  return {dir + "/../share/switchboard/web", dir + "/web"};
}

std::variant<loaded_config, std::string> load_config(const command_line& cl,
                                                     const char* const* env) {
  auto gathered = gather_options(cl, env);
  if (auto err = std::get_if<std::string>(&gathered))
    return *err;
  loaded_config out;
  out.options = std::get<option_values>(std::move(gathered));
  out.warnings = out.options.warnings;
  auto& s = out.values;
  converter c{out.options};
  read_http(c, s);
  read_admin(c, s);
  read_broker(c, s);
  read_limits(c, s);
  read_runtime(c, s);
  read_auth(c, out.options, s);
  read_plugins(c, out.options, s);
  read_consumers(c, out.options, s);
  if (c.error())
    return *c.error();
  read_web_root(out.options, s, out.warnings);
  return out;
}

void apply_to(const settings& s, caf::actor_system_config& cfg) {
  // CAF 0.17's work-stealing workers poll, then sleep up to 10 ms before
  // they see new work: milliseconds of latency per actor hop and a busy
  // idle. The sharing scheduler wakes a worker at once.
  cfg.set("scheduler.policy", caf::atom_from_string(s.scheduler_policy));
  cfg.set("scheduler.max-threads", s.scheduler_threads);
}

} // namespace sb
