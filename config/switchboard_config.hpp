#pragma once
// The service's options on top of CAF's config system: CLI
// (`--http.port=8080`) over the INI file (`--config-file=...`) over the
// defaults. load() parses, then validates every value itself, because CAF
// silently ignores an INI value of the wrong type.

#include <caf/actor_system_config.hpp>
#include <optional>
#include <string>
#include <variant>

#include "config/settings.hpp"

namespace sb {

class switchboard_config : public caf::actor_system_config {
public:
  switchboard_config();

  const caf::config_option_set& options() const { return custom_options_; }

  // Raw option storage: integers are signed so a negative value can be
  // reported instead of wrapping around.
  std::string http_host = "127.0.0.1";
  int64_t http_port = 8080;
  std::string ws_path = "/ws";
  std::string web_root = "web";
  std::string allowed_origins;
  std::string auth_secret;
  std::string api_key;
  bool demo_routes = false;
  int64_t io_threads = 1;
  int64_t max_header_bytes = 8 * 1024;
  int64_t max_body_bytes = 1024 * 1024;
  caf::timespan handshake_timeout = std::chrono::seconds(10);
  std::string broker = "memory";
  std::string redis_url = "redis://127.0.0.1:6379";
  caf::timespan redis_connect_timeout = std::chrono::seconds(1);
  caf::timespan redis_command_timeout = std::chrono::seconds(2);
  caf::timespan redis_backoff_max = std::chrono::seconds(5);
  int64_t redis_pool_size = 2;
  std::string node_id;
  int64_t frame_size = 64 * 1024;
  int64_t queue_size = 1024 * 1024;
  int64_t commands_burst = 50;
  int64_t commands_per_second = 20;
  int64_t specs_per_socket = 32;
  caf::timespan ping_interval = std::chrono::seconds(25);
  caf::timespan pong_timeout = std::chrono::seconds(10);
  caf::timespan shutdown_drain = std::chrono::seconds(10);
  int64_t chat_history = 50;
  int64_t chat_max_length = 10'000;
  int64_t chat_max_text_bytes = 4096;
  caf::timespan presence_ttl = std::chrono::seconds(30);
  std::string log_level = "info";
};

/// The outcome of start-up configuration: settings to run with, or an exit
/// code (0 after --help, 2 for a bad value) with the message to print.
struct config_exit {
  int code;
  std::string message;
};

std::variant<settings, config_exit> load_config(switchboard_config& cfg, int argc, char** argv);

} // namespace sb
