#pragma once
// One actor per WebSocket. Spawned by the listener after the upgrade, it
// parses `clients`, spawns and opens a plugin actor per valid spec, sends
// `welcome` and the spec errors, then routes each client command by
// (client, stream) under a rate limit. Talks to its socket through the sink
// and to its plugins through the hooks of connection_actor and plugin_actor
// (core/actors.hpp); the socket talks to it through the message_handler
// that make_connection() returns. Plugins write to the socket and join
// their topics through it: the sink never leaves this actor and the topics,
// so a plugin may live on another node.
//
// Closing loses nothing: when the peer closes (or breaks the protocol) the
// connection first handles every command it received, holding the close
// until welcome went out and the early commands ran; then it closes its
// plugins, which finish their commands' broker requests, and only when the
// last plugin is gone does it let the socket send its Close.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/rate_limiter.hpp"
#include "config/settings.hpp"
#include "core/actors.hpp"
#include "net/message_handler.hpp"
#include "plugins/plugin.hpp"

namespace sb {

/// What every connection on a node shares.
struct node_context {
  std::shared_ptr<const settings> config;
  std::shared_ptr<const plugin_registry> plugins;
  topic_registry_actor topics;
  broker_handles broker;
  plugin_settings plugin_config; ///< from config, for every plugin's context
  backend_actor backend;         ///< proxy plugins' HTTP client; null without proxies
};

/// What the listener knows about one upgraded socket.
struct connection_args {
  std::string socket_id;
  sink_ptr sink;
  std::optional<std::string> clients; ///< URL-decoded `clients`, if present
  std::optional<std::string> name;    ///< URL-decoded `name`, if present
  std::optional<std::string> token;   ///< `token` parameter or cookie, if present
};

struct connection_state {
  static inline const char* name = "connection";

  /// One spec on its way through open.
  struct slot {
    plugin_spec spec;
    plugin_actor plugin;
    std::optional<open_result> opened;
    std::optional<spec_error> failed;
  };

  void init(connection_args args);
  /// The session's user and stream permissions; false (socket closed with
  /// 4401) when auth is on and the token does not verify.
  bool authenticate(const connection_args& args);
  void open_plugins(std::vector<plugin_spec> specs);
  void on_open_done();
  void start_next(size_t index);
  std::string welcome_frame() const;
  void on_frame(std::string text, bool binary);
  void route(const std::string& text);
  void on_plugin_down(const caf::actor_addr& who, const caf::error& reason);
  void on_peer_closing(uint16_t code);
  void on_closed();
  void close_plugins();
  void finish_closing();
  void reply(std::string frame);
  caf::result<membership_actor> join_topic(topic_request request);

  connection_actor::stateful_pointer<connection_state> self = nullptr;
  node_context node;
  std::string socket_id;
  sink_ptr sink;
  user_info user;
  std::optional<std::vector<std::string>> allowed_streams; ///< globs; none = all
  std::optional<rate_limiter> limiter;
  std::vector<slot> slots;
  std::vector<spec_error> errors; ///< from parsing, sent after welcome
  size_t opening = 0;             ///< opens still unanswered
  bool ready = false;             ///< welcome sent; commands flow
  bool gave_up = false;           ///< closed the socket itself before ready
  std::vector<std::pair<std::string, bool>> early; ///< frames before ready
  std::map<std::pair<std::string, std::string>, plugin_actor> routes;
  size_t live_plugins = 0;        ///< spawned and not down yet
  // --- closing ---
  std::optional<uint16_t> closing; ///< the peer closed: the code to answer with
  bool socket_gone = false;        ///< the session ended: nothing to answer
  bool plugins_closing = false;    ///< close_atom went to every plugin
};

connection_actor::behavior_type
connection(connection_actor::stateful_pointer<connection_state> self, node_context node,
           connection_args args);

/// Spawns the connection actor of one socket; the returned handler turns
/// the session's calls into its messages (frame, closing, closed).
handler_ptr make_connection(caf::actor_system& sys, node_context node, connection_args args);

/// A guest user (auth off, PROTOCOL §6): `guest-<random>`, named by the
/// `name` parameter (cut to 64 bytes) or after its id.
user_info make_guest(const std::optional<std::string>& name);

} // namespace sb
