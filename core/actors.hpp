#pragma once
// The map of the whole system: the typed interface of every actor role, with
// what each handler does, in one place. The compiler checks every send
// against it. Read this first; core/messages.hpp holds the data types.
//
//   websocket session --frame/closing/closed--> connection
//   connection --open/start/command/close--> plugin instance
//   plugin --write--> connection (acks, errors: to its socket)
//   plugin --join--> connection --join (+ the socket)--> topic registry --> topic shard
//   plugin --activate(catch-up)/leave--> topic shard (the topic of its key)
//   plugin --post/publish/tail/replay/before/pres_*/mark_*--> broker command
//   topic shard --subscribe/listen (per key)--> broker subscriber / stream listener
//   subscriber --message--> topic shard;  stream listener --entry--> topic shard
//   topic (in its shard) --frame_ptr--> the sinks of its members (local shared buffers)
//   proxy plugin --backend(hook)--> backend (HTTP to the application's server)
//   switchboard ctl --(middleman)--> admin --describe--> connections;
//                                    admin --topics--> registry --topics--> topic shards
//   switchboard worker --(middleman)--> admin --join--> worker pool
//   connection --place--> worker pool --host--> worker (spawns the plugin there)
//   worker: consumer reader --wake--> consumer --wake--> stream consumer
//           stream consumer --take/ack/bury/touch--> consumer reader (Redis)
//           stream consumer --backend(webhook)--> backend (HTTP)
//
// Everything a plugin sends or receives is serializable (core/messages.hpp),
// so a plugin may run on another node; only the topic touches sockets, and
// the topic lives on the socket's node.

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/messages.hpp"

namespace sb {

// --- atoms ---------------------------------------------------------------------

using ack_atom = caf::atom_constant<caf::atom("ack")>;
using activate_atom = caf::atom_constant<caf::atom("activate")>;
using answered_atom = caf::atom_constant<caf::atom("answered")>;
using backend_atom = caf::atom_constant<caf::atom("backend")>;
using before_atom = caf::atom_constant<caf::atom("before")>;
using bury_atom = caf::atom_constant<caf::atom("bury")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using closing_atom = caf::atom_constant<caf::atom("closing")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using config_atom = caf::atom_constant<caf::atom("config")>;
using describe_atom = caf::atom_constant<caf::atom("describe")>;
using disconnect_atom = caf::atom_constant<caf::atom("disconnect")>;
using empty_atom = caf::atom_constant<caf::atom("empty")>;
using entry_atom = caf::atom_constant<caf::atom("entry")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using host_atom = caf::atom_constant<caf::atom("host")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using kick_atom = caf::atom_constant<caf::atom("kick")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using mark_get_atom = caf::atom_constant<caf::atom("mark_get")>;
using mark_set_atom = caf::atom_constant<caf::atom("mark_set")>;
using message_atom = caf::atom_constant<caf::atom("message")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
using open_atom = caf::atom_constant<caf::atom("open")>;
using place_atom = caf::atom_constant<caf::atom("place")>;
using post_atom = caf::atom_constant<caf::atom("post")>;
using pres_add_atom = caf::atom_constant<caf::atom("pres_add")>;
using pres_count_atom = caf::atom_constant<caf::atom("pres_count")>;
using pres_list_atom = caf::atom_constant<caf::atom("pres_list")>;
using pres_ping_atom = caf::atom_constant<caf::atom("pres_ping")>;
using pres_rm_atom = caf::atom_constant<caf::atom("pres_rm")>;
using pres_sweep_atom = caf::atom_constant<caf::atom("pres_sweep")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using pulse_atom = caf::atom_constant<caf::atom("pulse")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using replay_atom = caf::atom_constant<caf::atom("replay")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using sockets_atom = caf::atom_constant<caf::atom("sockets")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using tail_atom = caf::atom_constant<caf::atom("tail")>;
using take_atom = caf::atom_constant<caf::atom("take")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using topics_atom = caf::atom_constant<caf::atom("topics")>;
using touch_atom = caf::atom_constant<caf::atom("touch")>;
using unlisten_atom = caf::atom_constant<caf::atom("unlisten")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscrib")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using workers_atom = caf::atom_constant<caf::atom("workers")>;
using write_atom = caf::atom_constant<caf::atom("write")>;

template <class... Sigs>
using handle = caf::typed_actor<Sigs...>;
template <class... In>
using replies = caf::replies_to<In...>;
template <class... In>
using reacts = caf::reacts_to<In...>;

// --- what the broker delivers to -------------------------------------------------

/// Receives what is published on a channel (a topic; the disconnector).
using channel_actor = handle<
  /// (channel, payload): one PUBLISH (or the memory broker's equivalent).
  reacts<message_atom, std::string, std::string>>;

/// Receives the entries appended to a stream key (a topic).
using stream_actor = handle<
  /// (key, entry): one entry, in stream order, each once.
  reacts<entry_atom, std::string, stream_entry>>;

// --- broker: the three roles. Memory broker: one actor; Redis: a router each
// over detached actors (redis/redis_broker.hpp). -----------------------------

/// Commands by request and response; all commands on one key keep their order.
using broker_command_actor = handle<
  /// (key, event, data JSON, maxlen, live_only, deadline_ms) -> entry id:
  /// appends the event to the stream `key` (MAXLEN ~ maxlen; 0 = no trimming)
  /// and publishes it, with its id, on the channel `key`, in one atomic step.
  /// With live_only it is refused (`unavailable`, nothing stored) while this
  /// node's subscriber cannot hear the channel: a pub-sub send must not be
  /// acked when this node's own sockets would never see it. deadline_ms (ms
  /// since the epoch; 0 = none) is when the requester stops waiting: a post
  /// is never stored after its requester was answered `unavailable`.
  replies<post_atom, std::string, std::string, std::string, uint64_t, bool, uint64_t>::with<std::string>,
  /// (channel, payload) -> receivers: an ephemeral event.
  replies<publish_atom, std::string, std::string>::with<uint64_t>,
  /// (channel, payload, live_only) -> receivers: the same; with live_only
  /// refused (`unavailable`, not published) while this node's subscriber
  /// cannot hear the channel, as `post` does: an ephemeral event a client
  /// or the API sends is never acked when this node's sockets would miss it.
  replies<publish_atom, std::string, std::string, bool>::with<uint64_t>,
  /// (key, count) -> the last `count` entries, oldest first.
  replies<tail_atom, std::string, uint64_t>::with<std::vector<stream_entry>>,
  /// (key, after id, count) -> the entries after the id, and whether none
  /// between it and them was trimmed away.
  replies<replay_atom, std::string, std::string, uint64_t>::with<stream_replay>,
  /// (key, before id, count) -> the last `count` entries older than the id,
  /// oldest first: history paging (chat's `history` command, /api/history).
  replies<before_atom, std::string, std::string, uint64_t>::with<std::vector<stream_entry>>,
  // Presence, on `<stream>:presence` and the keys brokers derive from it.
  /// (key, connection, expires ms) -> true when it is the user's first
  /// connection to the stream.
  replies<pres_add_atom, std::string, presence_conn, uint64_t>::with<bool>,
  /// (key, socket id, expires ms) -> false when the connection was swept
  /// meanwhile (then add it again).
  replies<pres_ping_atom, std::string, std::string, uint64_t>::with<bool>,
  /// (key, socket id) -> the user's JSON when it was their last connection, else "".
  replies<pres_rm_atom, std::string, std::string>::with<std::string>,
  /// (key, now ms) -> the users (JSON) whose last connection expired.
  replies<pres_sweep_atom, std::string, uint64_t>::with<std::vector<std::string>>,
  /// (key) -> everyone online with their connection counts.
  replies<pres_list_atom, std::string>::with<std::vector<presence_user>>,
  /// (key) -> how many users are online (not connections), without the
  /// list: what a big room's members get instead of it.
  replies<pres_count_atom, std::string>::with<uint64_t>,
  // Read marks, in `<stream>:notifications:read` (user id -> last read id).
  /// (key, user) -> the user's mark, "" if none.
  replies<mark_get_atom, std::string, std::string>::with<std::string>,
  /// (key, user, id) -> the mark after the call (marks only move forward).
  replies<mark_set_atom, std::string, std::string, std::string>::with<std::string>>;

/// Subscribes channels on behalf of their receivers; one Redis connection
/// per shard, whatever the number of receivers.
using subscriber_actor = handle<
  /// (channel, receiver) -> ok once the broker confirmed the subscription.
  replies<subscribe_atom, std::string, channel_actor>::with<ok_atom>,
  /// (channel, receiver): the last receiver leaving unsubscribes.
  reacts<unsubscribe_atom, std::string, channel_actor>>;

/// Reads stream keys on behalf of their receivers.
using listener_actor = handle<
  /// (key, receiver) -> the id after which live delivery starts ("0-0" for
  /// an empty stream).
  replies<listen_atom, std::string, stream_actor>::with<std::string>,
  /// (key, receiver).
  reacts<unlisten_atom, std::string, stream_actor>>;

/// The memory broker plays all three roles.
using memory_broker_actor =
  broker_command_actor::extend_with<subscriber_actor>::extend_with<listener_actor>;

/// The three roles of a node's broker, as every actor that uses one holds them.
struct broker_handles {
  broker_command_actor command;
  subscriber_actor subscriber;
  listener_actor listener;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, broker_handles& x) {
  return f(caf::meta::type_name("broker_handles"), x.command, x.subscriber, x.listener);
}

// --- topics: the "actor group" of one key on one node -----------------------------

/// What a member holds of its topic.
using membership_actor = handle<
  /// (after id, catch-up frames) -> ok once they are queued: writes the
  /// member's catch-up (JSON text frames) to its socket, then what was held
  /// back for it (only ids after `after id`, if not empty), then everything
  /// live. Catch-up and live events reach the socket in that order because
  /// one actor writes both.
  replies<activate_atom, std::string, std::vector<std::string>>::with<ok_atom>,
  /// () -> ok: the sender stops being a member. Answered after every frame
  /// the topic wrote for it, so once the member has the answer nothing more
  /// of this topic reaches its socket (an unsubscribe's reply waits for it).
  replies<leave_atom>::with<ok_atom>>;

/// A few per node (actors/topic_shard): the topics of the keys that hash to
/// it, each an entry (actors/topic), not an actor of its own. It is what
/// the broker delivers a key's events to and what a member holds
/// (membership_actor): a plugin instance is a member of one topic at most,
/// so its address finds the topic of its activate and leave.
using topic_shard_actor = membership_actor::extend_with<channel_actor>::extend_with<stream_actor>::extend<
  /// (join) -> this shard, once the key's topic is subscribed (and
  /// listening, for a `streams` member). The member is pending: nothing
  /// reaches its socket until it activates.
  replies<join_atom, topic_join>::with<membership_actor>,
  /// () -> key, strategy, members and events delivered of each of its
  /// topics (`ctl topics`).
  replies<topics_atom>::with<std::vector<topic_report>>,
  /// (key): its own timer: the newest coalesced event of the key's topic (a
  /// big room's presence count) goes to every member, at most once a second.
  reacts<tick_atom, std::string>,
  /// (key, incarnation): its own timer for a topic whose members asked for
  /// a pulse (topic_request::pulse_ms): each member gets `tick`, and one
  /// active member of them `lead`.
  reacts<pulse_atom, std::string, uint64_t>>;

/// One per node: routes each key to its shard.
using topic_registry_actor = handle<
  /// (join) -> delegated to the shard of the key.
  replies<join_atom, topic_join>::with<membership_actor>,
  /// () -> every topic's report (`ctl topics`), asked of each shard; one
  /// that does not answer within a second is left out.
  replies<topics_atom>::with<std::vector<topic_report>>>;

// --- a socket and its plugins ----------------------------------------------------

/// One per WebSocket.
using connection_actor = handle<
  /// (text, binary): one message from the client (from the session): a
  /// plugin command, routed by (client, stream), or a control command
  /// (protocol v2 `subscribe`/`unsubscribe`), which opens or closes plugins
  /// on the open socket while the frames after it wait for its reply.
  reacts<frame_atom, std::string, bool>,
  /// (close code): the client sent Close or broke the protocol; nothing
  /// follows. Every command already received is finished first.
  reacts<closing_atom, uint16_t>,
  /// (close code): the socket is gone.
  reacts<closed_atom, uint16_t>,
  /// (JSON text): a plugin's frame for this socket (ack, error, event).
  reacts<write_atom, std::string>,
  /// (request) -> the topic: a plugin joining its key; the connection adds
  /// its socket and forwards the join to the registry.
  replies<join_atom, topic_request>::with<membership_actor>,
  /// () -> what `ctl sockets` shows of it: user, peer, plugins, queue, age.
  replies<describe_atom>::with<socket_report>>;

/// One per (socket, plugin, stream): the seed's hooks as messages.
using plugin_actor = handle<
  /// () -> open result: join the topic, read what the client must see first.
  replies<open_atom>::with<open_result>,
  /// () -> ok once the catch-up is queued: welcome went out; go live.
  replies<start_atom>::with<ok_atom>,
  /// (event, ref JSON, data JSON): a client command routed by (client,
  /// stream); ref is "null" when the command had none.
  reacts<command_atom, std::string, std::string, std::string>,
  /// (): the socket is closing or gone: finish the commands already
  /// received (their broker requests, bounded by their timeouts), clean up
  /// and quit. The connection learns it from the plugin's down message.
  reacts<close_atom>>;

/// A presence instance: a plugin with its own heartbeat.
using presence_actor = plugin_actor::extend<
  /// (lead): its topic's pulse: refresh its connection; the lead, one per
  /// room and pulse, also sweeps dead nodes' users.
  reacts<tick_atom, bool>>;

/// An instance of a plugin from a shared library (plugins/hosted_plugin).
using hosted_plugin_actor = plugin_actor::extend<
  /// (timer id): its own timer (the library's context::after) or a
  /// callback it deferred, due now.
  reacts<tick_atom, uint64_t>>;

/// One per node with proxy plugins (plugins/backend): POSTs their hooks to
/// the application's backend over pooled keep-alive HTTP connections, on
/// an io thread of its own, so no actor ever waits on a socket.
using backend_actor = handle<
  /// (route, JSON) -> the backend's answer, whatever its status; status 0
  /// with the reason when none came within the route's timeout. A route is
  /// a proxy plugin's name (its hooks) or, on a worker, a consumer's (its
  /// webhook).
  replies<backend_atom, std::string, std::string>::with<backend_response>,
  /// (call id, answer): from its own io thread, for the request waiting on it.
  reacts<answered_atom, uint64_t, backend_response>>;

// --- stream consumers (`consumers.<name>`, run by `switchboard worker`) ------------

/// One per (consumer, Redis server) on a worker (redis/consumer_reader): a
/// detached actor with its own connections. It finds the keys that match
/// the consumer's glob (SCAN MATCH ... TYPE stream, again every second),
/// waits for their new entries (XREAD BLOCK) and wakes the consumer
/// for each key that has some. The consumer group commands it runs for
/// the stream consumers are Lua scripts (redis/consumer_scripts).
using consumer_reader_actor = handle<
  /// (key) -> this worker's next entries of the key, in order: its own
  /// pending ones first, then new ones, or those of a worker whose entries
  /// were idle for claim-after; none while another worker owns the stream.
  replies<take_atom, std::string>::with<group_batch>,
  /// (key, id) -> ok: XACK, after the webhook answered 2xx.
  replies<ack_atom, std::string, std::string>::with<ok_atom>,
  /// (key, id, dead letter fields) -> ok: the entry goes to the consumer's
  /// dead-letter stream and is acknowledged, in one step.
  replies<bury_atom, std::string, std::string, std::vector<std::string>>::with<ok_atom>,
  /// (key) -> how many entries of the key this worker holds, their idle
  /// time reset: a worker still at work is not taken over.
  replies<touch_atom, std::string>::with<uint64_t>>;

/// One per consumer on a worker (actors/consumer): the stream consumers of
/// its keys, spawned as keys are found.
using consumer_actor = handle<
  /// (key): from a reader: the key is new, or has new entries. Spawns the
  /// key's stream consumer when it has none and wakes it.
  reacts<wake_atom, std::string>,
  /// (): its own timer, every claim-after: every stream consumer asks for
  /// work again, so the entries of a worker that died move on.
  reacts<tick_atom>>;

/// One per (consumer, key) on a worker (actors/stream_consumer): posts the
/// key's entries to the webhook one at a time, in stream order.
using stream_consumer_actor = handle<
  /// (): there may be work: ask the reader for entries when idle.
  reacts<wake_atom>,
  /// (generation): its own backoff timer: post the current entry again.
  reacts<retry_atom, uint64_t>,
  /// (generation): its own timer while it holds entries: touch them.
  reacts<touch_atom, uint64_t>>;

// --- worker nodes: plugins on other machines ----------------------------------------

/// What a plugin instance is spawned with (plugins/plugin.hpp): data and
/// handles only, nothing local to a process, so a worker can host it.
struct plugin_context {
  identity_ptr who;              ///< never null
  plugin_spec spec;
  connection_actor connection;   ///< the plugin closes when it ends (it says so on this node)
  broker_handles broker;
  plugin_settings settings;
  backend_actor backend;         ///< proxy plugins' HTTP client; null without proxies

  const std::string& socket_id() const { return who->socket_id; }
  const user_info& user() const { return who->user; }
  /// `<stream>:<plugin>`, the broker key; built when asked (a copy kept
  /// cost each plugin about 64 B).
  std::string key() const { return make_key(spec.stream, spec.name); }
};

/// The identity travels by value: a worker holds one copy per plugin it
/// hosts, not one per socket.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_context& x) {
  socket_identity who = x.who ? *x.who : socket_identity{};
  auto load = [&]() -> caf::error {
    x.who = make_identity(std::move(who.socket_id), std::move(who.user));
    return caf::none;
  };
  return f(caf::meta::type_name("plugin_context"), who.socket_id, who.user, x.spec,
           x.connection, x.broker, x.settings, x.backend, caf::meta::load_callback(load));
}

/// The one actor of a `switchboard worker` process (actors/worker): it
/// spawns plugin instances for the serving nodes it joined. Our own typed
/// request, not CAF's remote_spawn, which blocks its caller in 0.17.
using worker_actor = handle<
  /// (context) -> the instance, spawned here from this process's plugin
  /// registry by `context.spec.name`; `unavailable` when it has no such plugin.
  replies<host_atom, plugin_context>::with<plugin_actor>>;

/// One per serving node with admin.port (actors/worker_pool): the workers
/// that joined it, and which plugin instances each hosts.
using worker_pool_actor = handle<
  /// (worker, its name) -> ok: a worker offers to host plugins; monitored.
  replies<join_atom, worker_actor, std::string>::with<ok_atom>,
  /// (context) -> an instance spawned on the least loaded worker;
  /// `unavailable` when no worker is connected or it failed to spawn one.
  replies<place_atom, plugin_context>::with<plugin_actor>,
  /// () -> every worker joined, for `ctl workers`.
  replies<workers_atom>::with<std::vector<worker_report>>>;

// --- node services ------------------------------------------------------------------

/// Closes this node's sockets named on the cluster channel `switchboard/disconnect`.
using disconnector_actor = channel_actor::extend<
  /// () -> ok once its channel is subscribed: start-up waits for it.
  replies<ready_atom>::with<ok_atom>,
  /// (): its own retry of the subscription.
  reacts<subscribe_atom>>;

/// Answers `switchboard ctl` (actors/ctl): published on the middleman at
/// admin.port when that is set, so it is the one actor other processes
/// reach. Every reply is data, never a local handle.
using admin_actor = handle<
  /// () -> the Prometheus text of /metrics, the same counters and gauges.
  replies<stats_atom>::with<std::string>,
  /// () -> every open socket of this node, in no order (ctl sorts them).
  replies<sockets_atom>::with<std::vector<socket_report>>,
  /// () -> every topic of this node, by key.
  replies<topics_atom>::with<std::vector<topic_report>>,
  /// (socket id, reason) -> sockets closed (0 or 1), with code 4000 and the
  /// reason (cut to the 123 bytes a Close frame holds).
  replies<kick_atom, std::string, std::string>::with<uint64_t>,
  /// (user id) -> this node's sockets of the user closed with 1008; the
  /// other nodes close theirs too (the cluster channel of /api/disconnect).
  replies<disconnect_atom, std::string>::with<uint64_t>,
  /// () -> the effective configuration, secrets masked.
  replies<config_atom>::with<std::vector<config_entry>>,
  /// (worker, its name) -> ok: `switchboard worker --join` offers to host
  /// this node's plugins (handed to the worker pool).
  replies<join_atom, worker_actor, std::string>::with<ok_atom>,
  /// () -> the workers joined to this node and what each hosts.
  replies<workers_atom>::with<std::vector<worker_report>>>;

/// Gives freed memory back to the system after many sockets closed.
using memory_trimmer_actor = handle<
  /// (): its own periodic tick.
  reacts<tick_atom>>;

} // namespace sb
