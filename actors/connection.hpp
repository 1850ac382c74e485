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
//
// Protocol version 2 adds `subscribe` and `unsubscribe` on an open socket
// (actors/connection_control.cpp): one runs at a time, and the frames after
// it wait, as frames before welcome do, until its reply went out.

#include <boost/container/flat_map.hpp>
#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/rate_limiter.hpp"
#include "config/settings.hpp"
#include "core/actors.hpp"
#include "core/lean_actor.hpp"
#include "net/message_handler.hpp"
#include "plugins/plugin.hpp"

namespace sb {

struct control_command; // core/envelope.hpp
class socket_directory; // actors/socket_directory.hpp

/// What every connection on a node shares.
struct node_context {
  std::shared_ptr<const settings> config;
  std::shared_ptr<const plugin_registry> plugins;
  topic_registry_actor topics;
  broker_handles broker;
  plugin_settings plugin_config; ///< from config, for every plugin's context
  backend_actor backend;         ///< proxy plugins' HTTP client; null without proxies
  /// Every connection of the node, for the admin actor; null in tests.
  std::shared_ptr<socket_directory> sockets;
  /// Places plugins with `placement = worker`; null without admin.port.
  worker_pool_actor workers;
};

/// One per node, shared by its connections (a copy each cost 112 B more).
using node_ptr = std::shared_ptr<const node_context>;

/// What the listener knows about one upgraded socket.
struct connection_args {
  std::string socket_id;
  sink_ptr sink;
  std::optional<std::string> clients; ///< URL-decoded `clients`, if present
  std::optional<std::string> name;    ///< URL-decoded `name`, if present
  std::optional<std::string> token;   ///< `token` parameter or cookie, if present
  std::optional<std::string> version; ///< the `v` parameter, if present
};

struct connection_state {
  static inline const char* name = "connection";

  ~connection_state();

  /// One spec on its way through open.
  struct slot {
    plugin_spec spec;
    plugin_actor plugin;
    std::optional<open_result> opened;
    std::optional<spec_error> failed;
  };

  /// A subscribe or unsubscribe in progress: what its reply will say.
  struct control_op {
    std::string ref_json;              ///< the command's ref, as JSON text
    bool subscribe = true;
    /// Per entry of the command, in order: an error, or the index of its
    /// slot (subscribe) or `ok` (unsubscribe, set when the plugin is down).
    struct entry {
      std::string name, stream;
      std::optional<spec_error> error;
      std::optional<size_t> slot;
    };
    std::vector<entry> entries;
    std::vector<caf::actor_addr> closing; ///< unsubscribed plugins not down yet
  };

  void init(connection_args args);
  const std::string& socket_id() const { return who->socket_id; }
  const user_info& user() const { return who->user; }
  void set_user(user_info u) { who = make_identity(who->socket_id, std::move(u)); }
  /// The session's user and stream permissions; false (socket closed with
  /// 4401) when auth is on and the token does not verify.
  bool authenticate(const connection_args& args);
  void open_plugins(std::vector<plugin_spec> specs);
  void open_plugin(size_t index, plugin_actor plugin);
  void fail_open(size_t index, const caf::error& err);
  void on_open_done();
  void start_next(size_t index);
  std::string welcome_frame() const;
  void on_frame(std::string text, bool binary);
  void route(const std::string& text);
  void on_plugin_down(const caf::actor_addr& who, const caf::error& reason);
  // --- protocol version 2: subscribe and unsubscribe (connection_control.cpp) ---
  void on_control(control_command cmd);
  void subscribe(const control_command& cmd);
  void unsubscribe(const control_command& cmd);
  void reply_control();
  spec_rules rules_for_specs() const;
  void on_subscribe_opened();
  bool on_unsubscribed(const caf::actor_addr& who);
  void finish_control();
  void resume();

  void on_peer_closing(uint16_t code);
  void on_closed();
  void close_plugins();
  void finish_closing();
  void reply(std::string frame);
  caf::result<membership_actor> join_topic(topic_request request);
  socket_report describe() const;
  void leave_directory();
  void tell_plugins_gone();

  connection_actor::stateful_pointer<connection_state> self = nullptr;
  node_ptr node;
  /// The socket's id and, once authenticated, its user; shared with the
  /// plugins and their topic memberships.
  identity_ptr who;
  sink_ptr sink;
  std::unique_ptr<const std::vector<std::string>> allowed_streams; ///< globs; null = all
  std::optional<rate_limiter> limiter;
  bool v2 = false;                ///< the client speaks protocol version 2
  size_t opening = 0;             ///< opens still unanswered
  bool ready = false;             ///< welcome sent; commands flow
  /// A subscribe/unsubscribe in progress; behind a pointer, as most sockets
  /// never send one (inline it cost 96 B each).
  std::unique_ptr<control_op> control;
  bool replaying = false;         ///< resume() is running the frames that waited
  bool gave_up = false;           ///< closed the socket itself before ready
  /// What only opening (the handshake's or a subscribe's) needs; made when
  /// first used and freed once it ran: an idle socket holds none of it
  /// (inline, its three vectors cost 72 B).
  struct opening_state {
    std::vector<slot> slots;        ///< the specs being opened
    std::vector<spec_error> errors; ///< from parsing, sent after welcome
    std::vector<std::pair<std::string, bool>> early; ///< frames before ready or during control
  };
  std::unique_ptr<opening_state> opened_state;
  opening_state& open_state();
  std::vector<slot>& slots() { return open_state().slots; }
  const std::vector<slot>& slots() const;
  std::vector<spec_error>& errors() { return open_state().errors; }
  std::vector<std::pair<std::string, bool>>& early() { return open_state().early; }
  /// Frees the opening state once nothing is being opened or held.
  void release_open_state();
  // Flat maps: a socket has a few plugins, and a tree node cost 48 to 104 B
  // more per entry.
  boost::container::flat_map<std::pair<std::string, std::string>, plugin_actor> routes;
  boost::container::flat_map<caf::actor_addr, plugin_actor> alive; ///< spawned, not down yet
  // --- closing ---
  std::optional<uint16_t> closing; ///< the peer closed: the code to answer with
  bool socket_gone = false;        ///< the session ended: nothing to answer
  bool plugins_closing = false;    ///< close_atom went to every plugin
};

connection_actor::behavior_type
connection(lean_pointer<connection_actor, connection_state> self, node_ptr node,
           connection_args args);

/// Spawns the connection actor of one socket; the returned handler turns
/// the session's calls into its messages (frame, closing, closed).
handler_ptr make_connection(caf::actor_system& sys, node_ptr node, connection_args args);

/// A guest user (auth off, PROTOCOL §6): `guest-<random>`, named by the
/// `name` parameter (cut to 64 bytes) or after its id.
user_info make_guest(const std::optional<std::string>& name);

} // namespace sb
