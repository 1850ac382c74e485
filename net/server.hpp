#pragma once
// The HTTP side of a node: `http.threads` event loops (one thread each,
// sockets spread round-robin), the listener, and the registry of open
// WebSocket sessions that shutdown walks to close every socket with 1001. main() owns one; sessions reach it for
// their settings, for socket ids and to spawn their connection actor.

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/settings.hpp"
#include "core/frame.hpp"
#include "net/message_handler.hpp"
#include "net/io_loop.hpp"
#include "net/static_files.hpp"

namespace sb {

class listener;
class websocket_session;

/// What the upgrade request tells the connection actor.
struct upgrade_info {
  std::string target;       ///< path and query, e.g. /ws?clients=...
  std::string token_cookie; ///< the switchboard_token cookie, if any
};

/// One request to the HTTP API (/api/...).
struct api_request {
  std::string method;        ///< GET, POST, ...
  std::string target;        ///< path and query
  std::string body;
  std::string authorization; ///< the Authorization header
};

/// Sends an API response: status and a JSON body. Callable from any thread.
using api_responder = std::function<void(unsigned status, std::string body)>;

/// Serves API requests; set by the node.
using api_function = std::function<void(const api_request&, api_responder)>;

/// Starts what serves one upgraded socket (the node spawns its connection
/// actor) and returns where the socket's messages go. Called on an asio
/// thread.
using connection_spawner
  = std::function<handler_ptr(const upgrade_info& info, sink_ptr sink, std::string socket_id)>;

class server {
public:
  server(std::shared_ptr<const settings> config, connection_spawner spawner);
  ~server();

  /// Binds, listens (http.port, and metrics.port when set) and starts the
  /// threads; an error if a port is taken.
  std::error_code start();

  /// Stops accepting, closes every socket with 1001 and waits up to the
  /// drain time for them to finish, then stops the threads.
  void shutdown();

  const settings& config() const { return *config_; }

  /// What `/readyz` asks: true while the broker answers. Set before start().
  void set_readiness(std::function<bool()> fn) { readiness_ = std::move(fn); }

  /// Serves /api/...; without one, /api/ paths get 404.
  void set_api(api_function fn) { api_ = std::move(fn); }
  const api_function& api() const { return api_; }

  /// Closes this node's sockets of `user` (or the one with id `socket`)
  /// with 1008 "Disconnected by the server"; returns how many.
  size_t disconnect(const std::string& user, const std::string& socket);
  /// Closes this node's sockets of `user` (or the one with id `socket`)
  /// with `code` and `reason`; returns how many.
  size_t close_sockets(const std::string& user, const std::string& socket, uint16_t code,
                       const std::string& reason);
  bool ready() const { return !readiness_ || readiness_(); }
  /// Outgoing bytes queued over every socket and not yet written: the
  /// switchboard_send_queue_bytes gauge, summed when /metrics is read.
  size_t queued_bytes() const;
  /// What /metrics answers (also `switchboard ctl stats`).
  std::string metrics_text() const;
  /// The demo page and the JavaScript client, from http.web-root.
  static_files& files() { return files_; }

  /// The loop that accepts connections.
  io_loop& first_loop() { return *loops_.front(); }
  /// The loop the next connection goes to (round-robin).
  io_loop& next_loop();
  /// The loop whose io_context runs `ctx`.
  io_loop& loop_of(const boost::asio::execution_context& ctx);
  std::string next_socket_id();
  const std::string& node_id() const { return node_id_; }
  handler_ptr spawn_connection(const upgrade_info& info, sink_ptr sink, std::string id);

  // --- session registry (thread-safe) ---
  void add(const std::shared_ptr<websocket_session>& session);
  void remove(const websocket_session* session);

private:
  std::shared_ptr<const settings> config_;
  connection_spawner spawner_;
  std::function<bool()> readiness_;
  api_function api_;
  static_files files_;
  std::string node_id_;
  std::atomic<uint64_t> next_id_{0};
  // Declared before the loops: handlers destroyed with them may use these.
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<const websocket_session*, std::weak_ptr<websocket_session>> sessions_;
  std::vector<std::unique_ptr<io_loop>> loops_;
  std::atomic<size_t> next_loop_{0};
  std::shared_ptr<listener> listener_;
  std::shared_ptr<listener> metrics_listener_; ///< only with metrics.port
  bool running_ = false;
};

} // namespace sb
