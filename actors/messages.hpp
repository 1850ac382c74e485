#pragma once
// The map of the whole system: every atom and message type that actors
// exchange, grouped by who talks to whom. Read this first.
//
//   websocket session --frame/closing/closed--> connection --open/start/command/close--> plugin
//   plugin --join--> topic registry --(delegates)--> topic <--message/entry-- broker
//   plugin --xadd/publish/tail/replay--> broker command
//   topic --subscribe/listen--> broker subscriber / stream listener
//   topic --frame_ptr--> sinks of its members (local shared buffers)

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/error.hpp"
#include "net/frame.hpp"
#include "plugins/spec.hpp"

namespace sb {

// --- websocket session -> connection ----------------------------------------

/// (frame_atom, std::string text, bool binary): one incoming data frame.
using frame_atom = caf::atom_constant<caf::atom("frame")>;
/// (closing_atom, uint16_t code): the peer sent Close or broke the
/// protocol; no frame follows. The connection lets its plugins finish what
/// they were sent, then closes the sink (the session answers with `code`).
using closing_atom = caf::atom_constant<caf::atom("closing")>;
/// (closed_atom, uint16_t code): the socket is gone; the actor must quit.
using closed_atom = caf::atom_constant<caf::atom("closed")>;

// --- connection -> plugin ----------------------------------------------------

/// (open_atom) -> open_result: prepare (join the topic, read catch-up data).
using open_atom = caf::atom_constant<caf::atom("open")>;
/// (start_atom) -> ok_atom: welcome went out; send the catch-up, then go
/// live. The reply comes after the catch-up frames are queued.
using start_atom = caf::atom_constant<caf::atom("start")>;
/// (command_atom, event, ref_json, data_json): a client command, routed by
/// (client, stream). `ref_json` is "null" when the command had no ref.
using command_atom = caf::atom_constant<caf::atom("command")>;
/// (close_atom): the socket is closing or gone: finish the commands already
/// received (their broker requests, bounded by their timeouts), clean up
/// and quit. The connection learns it from the plugin's down message.
using close_atom = caf::atom_constant<caf::atom("close")>;

struct open_result {
  bool resumed = false;   ///< `since` was given
  bool recovered = false; ///< every entry after `since` was still there
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, open_result& x) {
  return f(caf::meta::type_name("open_result"), x.resumed, x.recovered);
}

// --- plugin <-> topic registry and topics --------------------------------------

/// (join_atom, topic_join) -> caf::actor (the topic), sent to the registry,
/// which delegates it to the key's topic (spawning it when needed). The member is pending:
/// it receives nothing until it sends activate_atom.
using join_atom = caf::atom_constant<caf::atom("join")>;
/// (activate_atom, caf::actor member, std::string after_id): deliver what was
/// held back for the member (only ids after `after_id`, if not empty), then
/// everything live.
using activate_atom = caf::atom_constant<caf::atom("activate")>;
/// (leave_atom, caf::actor member) -> ok_atom, once the topic wrote its last
/// frame for the member (an unsubscribe's reply waits for it).
using leave_atom = caf::atom_constant<caf::atom("leave")>;
/// (empty_atom, key, uint64_t joins_seen): topic -> registry, "I am empty".
using empty_atom = caf::atom_constant<caf::atom("empty")>;
/// (stop_atom): registry -> topic, "no join is in flight, quit".
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// (event_atom, frame_ptr, std::string id): topic -> plugins that asked to
/// see events themselves instead of having them written to their sink.
using event_atom = caf::atom_constant<caf::atom("event")>;

/// A plugin instance subscribing to a key. Local only: it carries the sink.
struct topic_member {
  caf::actor plugin;
  sink_ptr sink;
  sb::strategy strategy = strategy::pub_sub;
  /// When true, events go to the plugin as event_atom instead of the sink.
  bool wants_events = false;
  std::string user_id;   ///< for events addressed to one user
  std::string socket_id; ///< for events that skip the socket that caused them
};

/// What a plugin sends to join a key's topic.
struct topic_join {
  std::string key;           ///< `<stream>:<plugin>`
  std::string stream;
  std::string plugin;
  std::string default_event; ///< for entries that do not name an event
  topic_member member;
};

// --- broker: command ---------------------------------------------------------

/// (xadd_atom, key, fields, uint64_t maxlen) -> std::string id. Fields are
/// flat name/value pairs; MAXLEN ~ semantics (at least maxlen entries kept).
using xadd_atom = caf::atom_constant<caf::atom("xadd")>;
/// (publish_atom, channel, payload) -> uint64_t receivers.
using publish_atom = caf::atom_constant<caf::atom("publish")>;
/// (post_atom, key, event, data_json, uint64_t maxlen, bool live_only) ->
/// std::string id: appends the event to the stream `key` and publishes it,
/// with its id, on the channel `key`, in one atomic step. With `live_only`
/// it is refused (`unavailable`, nothing stored) while this node's
/// subscriber cannot hear the channel: a pub-sub send must not be acked
/// when this node's own sockets would never see it.
using post_atom = caf::atom_constant<caf::atom("post")>;
/// (tail_atom, key, uint64_t count) -> std::vector<stream_entry>, the last
/// `count` entries, oldest first.
using tail_atom = caf::atom_constant<caf::atom("tail")>;
/// (replay_atom, key, std::string after_id, uint64_t count) -> stream_replay.
using replay_atom = caf::atom_constant<caf::atom("replay")>;
/// (before_atom, key, std::string before_id, uint64_t count) ->
/// std::vector<stream_entry>: the last `count` entries older than
/// `before_id`, oldest first (history paging).
using before_atom = caf::atom_constant<caf::atom("before")>;

struct stream_entry {
  std::string id;
  std::vector<std::string> fields; ///< name, value, name, value, ...
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_entry& x) {
  return f(caf::meta::type_name("stream_entry"), x.id, x.fields);
}

struct stream_replay {
  /// False when entries after `after_id` were trimmed (or deleted).
  bool recovered = false;
  std::vector<stream_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_replay& x) {
  return f(caf::meta::type_name("stream_replay"), x.recovered, x.entries);
}

// --- broker: presence (on the command role) ----------------------------------------
// Keys: the base key is `<stream>:presence`; brokers derive the rest.

/// (pres_add_atom, key, presence_conn, uint64_t expires_ms) -> bool: true when
/// it is the user's first connection to the stream.
using pres_add_atom = caf::atom_constant<caf::atom("pres_add")>;
/// (pres_ping_atom, key, conn, uint64_t expires_ms) -> bool: false when the
/// connection was swept meanwhile (then add it again).
using pres_ping_atom = caf::atom_constant<caf::atom("pres_ping")>;
/// (pres_rm_atom, key, conn) -> std::string: the user's JSON when it was
/// their last connection, else "".
using pres_rm_atom = caf::atom_constant<caf::atom("pres_rm")>;
/// (pres_sweep_atom, key, uint64_t now_ms) -> std::vector<std::string>: the
/// users (JSON) whose last connection expired.
using pres_sweep_atom = caf::atom_constant<caf::atom("pres_sweep")>;
/// (pres_list_atom, key) -> std::vector<presence_user>.
using pres_list_atom = caf::atom_constant<caf::atom("pres_list")>;
/// (pres_count_atom, key) -> uint64_t: users online (not connections).
using pres_count_atom = caf::atom_constant<caf::atom("pres_count")>;

struct presence_conn {
  std::string conn;      ///< the socket id, unique across nodes
  std::string user_id;
  std::string user_json; ///< {"id","name"}
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_conn& x) {
  return f(caf::meta::type_name("presence_conn"), x.conn, x.user_id, x.user_json);
}

struct presence_user {
  std::string user_json;
  uint32_t connections = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, presence_user& x) {
  return f(caf::meta::type_name("presence_user"), x.user_json, x.connections);
}

// --- broker: read marks (on the command role) -----------------------------------
// The base key is `<stream>:notifications`; the marks live in
// `<stream>:notifications:read`, a hash of user id -> last read id.

/// (mark_get_atom, key, user) -> std::string: the user's mark, "" if none.
using mark_get_atom = caf::atom_constant<caf::atom("mark_get")>;
/// (mark_set_atom, key, user, id) -> std::string: the mark after the call
/// (marks only move forward).
using mark_set_atom = caf::atom_constant<caf::atom("mark_set")>;

// --- broker: subscriber and stream listener ------------------------------------

/// A reply that carries nothing but success.
/// (trim_atom): the memory trimmer's own tick.
using trim_atom = caf::atom_constant<caf::atom("trim")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;

/// (subscribe_atom, channel, caf::actor topic) -> ok_atom once subscribed.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
/// (unsubscribe_atom, channel, caf::actor topic).
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscrib")>;
/// (listen_atom, key, caf::actor topic) -> std::string: the id after which
/// live delivery starts ("0-0" for an empty stream).
using listen_atom = caf::atom_constant<caf::atom("listen")>;
/// (unlisten_atom, key, caf::actor topic).
using unlisten_atom = caf::atom_constant<caf::atom("unlisten")>;
/// (message_atom, channel, payload): subscriber -> topic.
using message_atom = caf::atom_constant<caf::atom("message")>;
/// (entry_atom, key, stream_entry): stream listener -> topic.
using entry_atom = caf::atom_constant<caf::atom("entry")>;

/// The three broker roles; the memory broker plays all three with one actor.
struct broker_handles {
  caf::actor command;
  caf::actor subscriber;
  caf::actor listener;
};

// --- errors --------------------------------------------------------------------

/// Wraps a protocol error code into a caf::error (category "sb").
caf::error make_error(ec code);

/// The protocol code inside a caf::error; timeouts and dead peers map to
/// `unavailable`, anything else to `internal`.
ec to_ec(const caf::error& err);

} // namespace sb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::topic_member)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::topic_join)
