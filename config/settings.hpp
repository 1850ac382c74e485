#pragma once
// The validated service configuration. Filled once at start-up by
// config/switchboard_config (flags > environment > INI > defaults), then
// shared read-only by the listener, the connection actors and the plugins.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/redis_url.hpp"

namespace sb {

/// A public key from `auth.public-key`, read and checked at start-up.
struct public_key {
  enum class type { rsa, ec };
  std::string file; ///< where it came from, for logs
  std::string pem;  ///< the PEM text libjwt verifies with
  type kind = type::rsa;
  int bits = 0;     ///< RSA modulus or EC curve size (256 for P-256)
};

/// What a socket token must satisfy (PROTOCOL §6).
struct auth_settings {
  std::string secret;                  ///< HS256/384/512 key; empty = no HS tokens
  std::vector<public_key> public_keys; ///< RS*/ES* keys; several for rotation
  std::string issuer;                  ///< required `iss`; empty = not checked
  std::string audience;                ///< required in `aud`; empty = not checked
  std::chrono::seconds leeway{30};     ///< clock skew allowed on exp and nbf
  bool enabled() const { return !secret.empty() || !public_keys.empty(); }
};

/// A plugin defined in the configuration (`[plugins.<name>]`): a relay of
/// client events, or a proxy to the application's backend.
enum class custom_kind { relay, proxy };

struct custom_plugin_settings {
  std::string name;
  custom_kind kind = custom_kind::relay;
  std::vector<std::string> events;      ///< client events accepted (proxy: empty = all)
  std::string proxy_url;                ///< as configured, for logs
  std::string proxy_host;               ///< from proxy_url
  uint16_t proxy_port = 80;
  std::string proxy_target;             ///< path and query
  std::chrono::milliseconds timeout{5000};
  uint64_t max_length = 1000;           ///< XADD MAXLEN ~ on `streams`
  std::string origin;                   ///< where it was defined, for errors
};

/// A stream consumer (`[consumers.<name>]`), run by `switchboard worker`:
/// every entry of the Redis streams whose keys match `streams` is POSTed
/// to `webhook` (README, "Running across machines").
struct consumer_settings {
  std::string name;                     ///< also the consumer group's name
  std::string streams;                  ///< a Redis glob of keys: `room:*:chat`
  std::string webhook_url;              ///< as configured, for logs
  std::string webhook_host;             ///< from webhook_url
  uint16_t webhook_port = 80;
  std::string webhook_target;           ///< path and query
  uint32_t max_attempts = 10;           ///< then the entry goes to the dead-letter stream
  std::chrono::milliseconds claim_after{30'000}; ///< a dead worker's entries move after this
  std::chrono::milliseconds retry_delay{1000};   ///< the first retry's wait, doubling
  std::chrono::milliseconds timeout{5000};       ///< one webhook request
  std::string origin;                   ///< where it was defined, for errors
};

struct settings {
  // --- http ---
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 8080;
  std::string ws_path = "/ws";
  std::string web_root;                  ///< demo page and client; empty = off
  /// Origins besides the page's own that may upgrade; "*" = any.
  std::vector<std::string> allowed_origins;
  // --- auth ---
  auth_settings auth;
  std::string api_key;                   ///< Bearer key of /api/; empty = API off
  // --- metrics ---
  std::string metrics_host;              ///< address of the metrics listener
  uint16_t metrics_port = 0;             ///< 0: /metrics and /readyz on http.port
  bool demo_routes = false;              ///< POST /api/demo/notify without a key
  // --- admin (switchboard ctl, over CAF's middleman) ---
  std::string admin_host = "127.0.0.1";  ///< beyond loopback only with TLS
  uint16_t admin_port = 0;               ///< 0: no admin actor published
  /// TLS on the admin port (all three, or none): this node's certificate
  /// and key, and the CA that must have signed every peer's certificate.
  std::string admin_certificate, admin_key, admin_ca;
  bool admin_tls() const { return !admin_certificate.empty(); }
  size_t io_threads = 1;                 ///< asio threads running sockets
  size_t max_header_bytes = 8 * 1024;    ///< HTTP request header limit
  size_t max_body_bytes = 1024 * 1024;   ///< HTTP request body limit
  std::chrono::milliseconds handshake_timeout{10'000};
  // --- broker ---
  std::string broker = "memory";
  /// single, sharded or sentinel (redis.mode, or from the number of URLs).
  std::string redis_mode = "single";
  /// From redis.url, one per server; in sentinel mode the one endpoint
  /// that names the master and its sentinels.
  std::vector<redis_endpoint> redis_shards;
  std::chrono::milliseconds redis_connect_timeout{1000};
  std::chrono::milliseconds redis_command_timeout{2000};
  std::chrono::milliseconds redis_backoff_max{5000};
  size_t redis_pool_size = 2;                ///< command connections per shard
  // --- node ---
  std::string node_id;                   ///< prefix of socket ids; random if empty
  // --- limits (PROTOCOL §7) ---
  size_t max_frame_bytes = 64 * 1024;    ///< incoming frame; excess closes 1009
  size_t max_queue_bytes = 1024 * 1024;  ///< outgoing queue; excess closes 4008
  uint32_t commands_burst = 50;          ///< token bucket size
  uint32_t commands_per_second = 20;     ///< refill rate; 0 disables the limiter
  uint32_t max_specs = 32;               ///< plugin specs per socket
  std::chrono::milliseconds ping_interval{25'000};
  std::chrono::milliseconds pong_timeout{10'000};
  std::chrono::milliseconds shutdown_drain{10'000};
  // --- chat ---
  uint32_t chat_history = 50;            ///< messages in the `history` event
  uint32_t chat_max_length = 10'000;     ///< XADD MAXLEN ~ for <stream>:chat
  uint32_t chat_max_text_bytes = 4096;   ///< longest `send` text
  uint32_t chat_max_join_leave = 1000;   ///< joined/left skip topics bigger than this; 0: never
  // --- presence ---
  std::chrono::milliseconds presence_ttl{30'000}; ///< a dead node's users leave within it
  uint32_t presence_max_list = 1000;     ///< above it, a count instead of the list; 0: never
  // --- plugins ---
  std::vector<std::string> plugin_libraries;          ///< plugins.load
  std::vector<custom_plugin_settings> custom_plugins; ///< by name
  /// Plugins with `placement = worker` (built-in or custom): their
  /// instances run on workers that joined at admin.port.
  std::vector<std::string> worker_plugins;
  // --- consumers (switchboard worker) ---
  std::vector<consumer_settings> consumers;           ///< by name
  // --- log ---
  std::string log_level = "info";
  std::string log_format = "text";       ///< text or json
  // --- scheduler ---
  size_t scheduler_threads = 1;          ///< CAF workers
  std::string scheduler_policy = "sharing";
};

} // namespace sb
