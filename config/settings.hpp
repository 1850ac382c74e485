#pragma once
// The validated service configuration. Filled once at start-up from CAF's
// config system (CLI > INI > defaults) by config/switchboard_config, then
// shared read-only by the listener, the connection actors and the plugins.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "redis/redis_url.hpp"

namespace sb {

struct settings {
  // --- http ---
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 8080;
  std::string ws_path = "/ws";
  std::string web_root = "web";          ///< demo page and JavaScript client
  std::vector<std::string> allowed_origins; ///< empty: any Origin may upgrade
  // --- auth ---
  std::string auth_secret;               ///< HS256 secret; empty = auth off
  std::string api_key;                   ///< Bearer key of /api/; empty = API off
  bool demo_routes = false;              ///< POST /api/demo/notify without a key
  size_t io_threads = 1;                 ///< asio threads running sockets
  size_t max_header_bytes = 8 * 1024;    ///< HTTP request header limit
  size_t max_body_bytes = 1024 * 1024;   ///< HTTP request body limit
  std::chrono::milliseconds handshake_timeout{10'000};
  // --- broker ---
  std::string broker = "memory";
  std::vector<redis_endpoint> redis_shards; ///< from redis.url, one per server
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
  // --- presence ---
  std::chrono::milliseconds presence_ttl{30'000}; ///< a dead node's users leave within it
  // --- log ---
  std::string log_level = "info";
};

} // namespace sb
