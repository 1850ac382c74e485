#pragma once
// The data that travels in actor messages (core/actors.hpp says who sends
// what to whom). Each type a plugin, a broker or another node may receive
// has an `inspect` overload and is registered by register_message_types():
// it can cross to another CAF node. The one exception is topic_join, which
// carries a socket's sink and never leaves its node.

#include <caf/actor_control_block.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/frame.hpp"
#include "core/plugin_spec.hpp"

namespace sb {

// --- plugin <-> connection -------------------------------------------------------

/// A plugin's answer to open.
struct open_result {
  bool resumed = false;   ///< `since` was given
  bool recovered = false; ///< every entry after `since` was still there
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, open_result& x) {
  return f(caf::meta::type_name("open_result"), x.resumed, x.recovered);
}

/// The settings a built-in plugin reads, by value: a plugin may run on a
/// node that does not share this process's configuration.
struct plugin_settings {
  uint32_t chat_history = 50;
  uint32_t chat_max_length = 10'000;
  uint32_t chat_max_text_bytes = 4096;
  uint32_t chat_max_join_leave = 1000;  ///< no joined/left above it; 0: always
  std::chrono::milliseconds presence_ttl{30'000};
  uint32_t presence_max_list = 1000;    ///< a count instead of the list above it; 0: never
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_settings& x) {
  return f(caf::meta::type_name("plugin_settings"), x.chat_history, x.chat_max_length,
           x.chat_max_text_bytes, x.chat_max_join_leave, x.presence_ttl, x.presence_max_list);
}

// --- plugin -> connection -> topic registry -> topic ------------------------------

/// What a plugin asks its connection for when it joins its key's topic.
/// The connection adds the socket (local to it) and the plugin's address.
struct topic_request {
  std::string key;           ///< `<stream>:<plugin>`
  std::string stream;
  std::string plugin;
  std::string default_event; ///< for entries that do not name an event
  sb::strategy strategy = strategy::pub_sub;
  /// Members get `tick` this often from the topic (0: never). One timer per
  /// topic, not per member: a pending delayed message each cost 244 B.
  uint32_t pulse_ms = 0;
  /// The member tells the topic's shard when it ends (plugin_base does):
  /// on the shard's node it is monitored only until it activates.
  bool tells_its_end = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_request& x) {
  return f(caf::meta::type_name("topic_request"), x.key, x.stream, x.plugin, x.default_event,
           x.strategy, x.pulse_ms, x.tells_its_end);
}

/// One member of a topic. Local only: it carries the socket's sink, which
/// the topic writes every event to without a hop through any actor.
struct socket_identity; // below
using identity_ptr = std::shared_ptr<const socket_identity>;

struct topic_member {
  caf::strong_actor_ptr plugin; ///< identifies the member; monitored by the topic
  sink_ptr sink;
  sb::strategy strategy = strategy::pub_sub;
  bool tells_its_end = false; ///< as its topic_request says
  /// Never null: for events addressed to one user, and events that skip
  /// the socket that caused them.
  identity_ptr who;
};

/// A join as the registry and the topic see it.
struct topic_join {
  topic_request request;
  topic_member member;
};

// --- broker ------------------------------------------------------------------------

struct stream_entry {
  std::string id;
  std::vector<std::string> fields; ///< name, value, name, value, ...
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_entry& x) {
  return f(caf::meta::type_name("stream_entry"), x.id, x.fields);
}

/// What a stream consumer gets from its reader when it asks for work.
struct group_batch {
  bool gone = false; ///< the key is no stream any more: the consumer of the key quits
  /// This worker's next entries of the key, in stream order; empty when
  /// there is none, or another worker owns the stream. An entry without
  /// fields was deleted while pending (acknowledged, not posted).
  std::vector<stream_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_batch& x) {
  return f(caf::meta::type_name("group_batch"), x.gone, x.entries);
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

// --- proxy plugin -> backend (the application's HTTP server) -----------------------

/// The backend's answer to one hook a proxy plugin POSTed.
struct backend_response {
  uint16_t status = 0; ///< the HTTP status; 0 when no answer came
  std::string body;
  std::string error;   ///< why no answer came (status 0): down, too slow, ...
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, backend_response& x) {
  return f(caf::meta::type_name("backend_response"), x.status, x.body, x.error);
}

// --- admin (a node's admin actor <-> `switchboard ctl`, another process) ---------

/// One plugin on a socket: the spec's client name and its stream.
struct plugin_ref {
  std::string client;
  std::string stream;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_ref& x) {
  return f(caf::meta::type_name("plugin_ref"), x.client, x.stream);
}

/// What `ctl sockets` shows of one open socket.
struct socket_report {
  std::string id;
  std::string user;
  std::string remote;          ///< the peer's address:port
  std::vector<plugin_ref> plugins;
  uint64_t queued_bytes = 0;   ///< written by the server, not yet by the kernel
  uint64_t age_ms = 0;         ///< since the upgrade
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, socket_report& x) {
  return f(caf::meta::type_name("socket_report"), x.id, x.user, x.remote, x.plugins,
           x.queued_bytes, x.age_ms);
}

/// What `ctl topics` shows of one topic (one key on one node).
struct topic_report {
  std::string key;          ///< `<stream>:<plugin>`
  std::string strategy;     ///< "pub-sub" or "streams"
  uint64_t members = 0;     ///< plugin instances on this node
  uint64_t delivered = 0;   ///< events fanned out since the topic started
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_report& x) {
  return f(caf::meta::type_name("topic_report"), x.key, x.strategy, x.members, x.delivered);
}

/// One line of the effective configuration, as print-config shows it.
struct config_entry {
  std::string key;    ///< "http.port", "plugins.votes.proxy"
  std::string value;  ///< secrets masked
  std::string origin; ///< "default", "command line", the INI file, ...
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, config_entry& x) {
  return f(caf::meta::type_name("config_entry"), x.key, x.value, x.origin);
}

// --- worker nodes (`switchboard worker`, `ctl workers`) --------------------------------

/// The session's user (PROTOCOL §6). Never taken from a client frame.
struct user_info {
  std::string id;
  std::string name;

  /// `{"id":...,"name":...}`
  std::string json() const;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_info& x) {
  return f(caf::meta::type_name("user_info"), x.id, x.name);
}

/// Who a socket is. One per socket, shared by its connection, its plugins
/// and their topic memberships: a copy each cost 64 to 96 B.
struct socket_identity {
  std::string socket_id;
  user_info user;
};

inline identity_ptr make_identity(std::string socket_id, user_info user) {
  return std::make_shared<const socket_identity>(
    socket_identity{std::move(socket_id), std::move(user)});
}

/// How many instances of one plugin a worker hosts for a node.
struct hosted_count {
  std::string plugin;
  uint64_t instances = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hosted_count& x) {
  return f(caf::meta::type_name("hosted_count"), x.plugin, x.instances);
}

/// What `ctl workers` shows of one worker joined to a node.
struct worker_report {
  std::string name;                 ///< the worker's node.id, or host:pid
  std::string node;                 ///< its CAF node id
  uint64_t load = 0;                ///< plugin instances it hosts for this node
  std::vector<hosted_count> hosted; ///< by plugin name
  uint64_t age_ms = 0;              ///< since it joined
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_report& x) {
  return f(caf::meta::type_name("worker_report"), x.name, x.node, x.load, x.hosted, x.age_ms);
}

/// Registers every type above that may cross to another node, and the
/// containers of them that replies carry. Without it CAF delivers them
/// locally but drops them on the way to another node.
void register_message_types(caf::actor_system_config& cfg);

} // namespace sb

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sb::topic_join)
