#include "config/option_table.hpp"

#include <algorithm>
#include <cctype>

#include "core/plugin_spec.hpp"

namespace sb {

namespace {

using k = value_kind;

} // namespace

const std::vector<option_def>& option_table() {
  static const std::vector<option_def> table = {
    {"broker", k::text, "memory", "memory (embedded, one node) or redis (nodes share streams)"},
    // --- redis ---
    {"redis.mode", k::text, "",
     "single, sharded, cluster or sentinel; empty: single for one URL, sharded for several",
     false, "from redis.url"},
    {"redis.url", k::text, "redis://127.0.0.1:6379",
     "redis://[:pw@]host[:port][/db] or unix:///path; several (a,b) shard; cluster: seeds",
     true},
    {"redis.sentinels", k::list, "[]", "sentinel mode: host:port of each sentinel (a,b,c)"},
    {"redis.master-name", k::text, "", "sentinel mode: the name the sentinels monitor"},
    {"redis.password", k::text, "", "sentinel mode: AUTH password of the primary", true},
    {"redis.db", k::integer, "0", "sentinel mode: database number on the primary"},
    {"redis.sentinel-password", k::text, "", "sentinel mode: AUTH password of the sentinels",
     true},
    {"redis.wait-replicas", k::integer, "0",
     "WAIT for this many replicas after each streams append; 0: no WAIT"},
    {"redis.connect-timeout", k::duration, "1s", "time to connect to Redis"},
    {"redis.command-timeout", k::duration, "2s", "time one Redis command may take"},
    {"redis.backoff-max", k::duration, "5s", "longest wait between reconnect attempts"},
    {"redis.pool-size", k::integer, "2", "command connections per Redis server"},
    // --- http ---
    {"http.host", k::text, "127.0.0.1", "address to listen on (0.0.0.0: every interface)"},
    {"http.port", k::integer, "8080", "TCP port, 1..65535"},
    {"http.ws-path", k::text, "/ws", "path of the WebSocket endpoint"},
    {"http.web-root", k::text, "", "folder with demo/ and client/; empty: no static files",
     false, "found next to the binary"},
    {"http.allowed-origins", k::text, "",
     "other sites' Origins allowed to upgrade (a,b); *: any; empty: none"},
    {"http.threads", k::integer, "1", "asio threads running the sockets"},
    {"http.max-header-bytes", k::integer, "8192", "largest HTTP request header (else 431)"},
    {"http.max-body-bytes", k::integer, "1048576", "largest HTTP request body (else 413)"},
    {"http.handshake-timeout", k::duration, "10s", "time to send a request or finish a close"},
    // --- auth ---
    {"auth.secret", k::text, "", "HS256/384/512 secret for socket tokens", true},
    {"auth.secret-file", k::text, "", "file holding auth.secret (systemd LoadCredential=)"},
    {"auth.public-key", k::text, "",
     "PEM key file(s) for RS256/ES256 tokens; several (a,b) rotate"},
    {"auth.issuer", k::text, "", "required iss claim; empty: not checked"},
    {"auth.audience", k::text, "", "required aud claim; empty: not checked"},
    {"auth.leeway", k::duration, "30s", "clock skew allowed on exp and nbf"},
    // --- api ---
    {"api.key", k::text, "", "Bearer key of the HTTP API under /api/; empty: API off", true},
    {"api.key-file", k::text, "", "file holding api.key"},
    // --- metrics ---
    {"metrics.port", k::integer, "0",
     "own port for /metrics and /readyz (off http.port); 0: none"},
    {"metrics.host", k::text, "", "address of the metrics port", false, "http.host"},
    // --- admin ---
    {"admin.port", k::integer, "0",
     "port of the admin actor that `switchboard ctl` talks to; 0: off"},
    {"admin.host", k::text, "127.0.0.1",
     "address of the admin port; other than loopback only with TLS"},
    {"admin.certificate", k::text, "", "PEM certificate (chain) of this node: TLS on admin.port"},
    {"admin.key", k::text, "", "PEM private key of admin.certificate"},
    {"admin.ca", k::text, "", "PEM CA file: only peers with a certificate it signed connect"},
    // --- demo ---
    {"demo.enabled", k::boolean, "false",
     "POST /api/demo/notify publishes test notifications without a key"},
    // --- presence ---
    {"presence.ttl", k::duration, "30s", "a node that dies: its users leave within this"},
    {"presence.max-list", k::integer, "1000",
     "bigger rooms get a user count instead of the list; 0: always the list"},
    // --- node ---
    {"node.id", k::text, "", "prefix of socket ids, unique per node", false, "random"},
    // --- limits ---
    {"limits.frame-size", k::integer, "65536", "largest incoming message in bytes (close 1009)"},
    {"limits.queue-size", k::integer, "1048576", "outgoing bytes queued per socket (close 4008)"},
    {"limits.commands-burst", k::integer, "50", "commands a socket may send at once"},
    {"limits.commands-per-second", k::integer, "20", "sustained command rate; 0 = unlimited"},
    {"limits.specs-per-socket", k::integer, "32", "plugin specs per socket"},
    {"limits.ping-interval", k::duration, "25s", "time between pings"},
    {"limits.pong-timeout", k::duration, "10s", "time to show a sign of life after a ping"},
    {"limits.shutdown-drain", k::duration, "10s", "time sockets get to close at shutdown"},
    // --- chat ---
    {"chat.history", k::integer, "50", "messages in the history event"},
    {"chat.max-length", k::integer, "10000", "MAXLEN ~ of each <stream>:chat stream"},
    {"chat.max-text-bytes", k::integer, "4096", "longest message text in bytes"},
    {"chat.max-join-leave", k::integer, "1000",
     "joined/left not sent to a stream with more members on a node; 0: always"},
    // --- plugins (docs: README, "Custom plugins") ---
    {"plugins.load", k::list, "[]", "shared libraries of C++ plugins to load at start"},
    {"plugins.*.relay", k::boolean, "false",
     "plugin NAME relays the client events listed in events"},
    {"plugins.*.proxy", k::text, "",
     "plugin NAME POSTs open/message/close to this http:// URL"},
    {"plugins.*.events", k::list, "[]",
     "client events plugin NAME accepts (proxy: empty = all)"},
    {"plugins.*.timeout", k::duration, "5s", "longest wait for NAME's backend (at most 9s)"},
    {"plugins.*.max-length", k::integer, "1000",
     "MAXLEN ~ of <stream>:NAME, where streams events are stored"},
    {"plugins.*.placement", k::text, "local",
     "where NAME's instances run: local, or worker (a `switchboard worker` joined here)"},
    // --- consumers (run by `switchboard worker`; README, "Running across machines") ---
    {"consumers.*.streams", k::text, "",
     "consumer NAME reads the Redis streams whose keys match this glob (room:*:chat)"},
    {"consumers.*.webhook", k::text, "", "consumer NAME POSTs each entry to this http:// URL"},
    {"consumers.*.max-attempts", k::integer, "10",
     "attempts per entry before it goes to NAME's dead-letter stream"},
    {"consumers.*.claim-after", k::duration, "30s",
     "a dead worker's pending entries move to another after this"},
    {"consumers.*.retry-delay", k::duration, "1s",
     "wait before the first retry; doubles per failure, at most 1min"},
    {"consumers.*.timeout", k::duration, "5s", "longest wait for NAME's webhook to answer"},
    // --- log ---
    {"log.level", k::text, "info", "debug, info, warning or error"},
    {"log.format", k::text, "text", "text (one line per event) or json (one object per line)"},
    // --- scheduler ---
    {"scheduler.max-threads", k::integer, "0", "threads running the actors; 0: one per core",
     false, "one per core"},
    {"scheduler.policy", k::text, "sharing",
     "sharing (wakes a worker at once) or stealing (CAF's default)"},
  };
  return table;
}

namespace {

/// `plugins.votes.relay` -> ("plugins", "votes", "relay"); empty parts when
/// the key has fewer than three.
struct key_parts {
  std::string_view group, name, option;
};

key_parts split_key(std::string_view key) {
  auto first = key.find('.');
  if (first == std::string_view::npos)
    return {};
  auto second = key.find('.', first + 1);
  if (second == std::string_view::npos)
    return {};
  return {key.substr(0, first), key.substr(first + 1, second - first - 1),
          key.substr(second + 1)};
}

} // namespace

bool is_wildcard(const option_def& o) {
  return split_key(o.key).name == "*";
}

const option_def* find_option(std::string_view key) {
  for (auto& o : option_table())
    if (o.key == key)
      return &o;
  auto parts = split_key(key);
  if (!valid_plugin_name(parts.name))
    return nullptr;
  for (auto& o : option_table()) {
    auto p = split_key(o.key);
    if (p.name == "*" && p.group == parts.group && p.option == parts.option)
      return &o;
  }
  return nullptr;
}

std::string_view instance_of(std::string_view key) {
  auto o = find_option(key);
  return o != nullptr && is_wildcard(*o) ? split_key(key).name : std::string_view{};
}

std::string instance_key(const option_def& o, std::string_view name) {
  auto p = split_key(o.key);
  return std::string{p.group} + "." + std::string{name} + "." + std::string{p.option};
}

std::string_view group_of(std::string_view key) {
  auto dot = key.find('.');
  return dot == std::string_view::npos ? std::string_view{} : key.substr(0, dot);
}

bool known_group(std::string_view group) {
  for (auto& o : option_table()) {
    auto g = group_of(o.key);
    if (g == group)
      return true;
    if (is_wildcard(o) && group.size() > g.size() + 1 && group.substr(0, g.size()) == g
        && group[g.size()] == '.' && valid_plugin_name(group.substr(g.size() + 1)))
      return true;
  }
  return false;
}

std::string_view name_of(std::string_view key) {
  auto dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

std::string env_name(std::string_view key) {
  std::string out = "SWITCHBOARD_";
  for (char c : key)
    out += c == '.' || c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

} // namespace

std::optional<std::string> closest_option(std::string_view key) {
  std::optional<std::string> best;
  size_t best_distance = 4; // further than 3 edits is no typo
  // Lengths that differ by the distance or more cannot be closer: a long
  // garbage key costs nothing (fuzz/config_fuzzer found it costly).
  auto within = [&](std::string_view other, size_t bound) {
    return (key.size() > other.size() ? key.size() - other.size() : other.size() - key.size())
           < bound;
  };
  // `plugins.votes.rely` is compared with `plugins.votes.relay`.
  auto parts = split_key(key);
  for (auto& o : option_table()) {
    auto candidate = is_wildcard(o) && valid_plugin_name(parts.name)
                       ? instance_key(o, parts.name)
                       : std::string{o.key};
    auto name = name_of(candidate);
    auto full = within(candidate, best_distance) ? edit_distance(key, candidate) : best_distance;
    auto short_name = within(name, best_distance - 1) ? edit_distance(key, name) + 1
                                                      : best_distance;
    auto d = std::min(full, short_name);
    if (d < best_distance) {
      best_distance = d;
      best = std::move(candidate);
    }
  }
  return best;
}

} // namespace sb
