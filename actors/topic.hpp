#pragma once
// The "actor group" of one key (`<stream>:<plugin>`) on this node. It holds
// the plugin actors attached to the key, subscribes to the broker on their
// behalf (pub-sub channel always, stream listener while a `streams` member
// exists), serializes each event once and hands the same frame to every
// member's sink. Members activate with their catch-up frames, which the
// topic writes before anything live, so the socket sees them in order.
// Spawned by the topic registry on the first join; asks the registry to
// stop it when the last member leaves. Its interface: topic_actor.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/actors.hpp"
#include "core/event_codec.hpp"
#include "core/stream_id.hpp"

namespace sb {

struct topic_state {
  static inline const char* name = "topic";

  /// What is held back for a member until it activates.
  struct held_frame {
    std::optional<stream_id> id; ///< stream id of the event; none if ephemeral
    frame_ptr frame;
  };

  struct member {
    topic_member info;
    bool active = false;
    stream_id floor;  ///< ids at or below it were in the member's catch-up
    std::vector<held_frame> held;
  };

  struct waiting_join {
    caf::typed_response_promise<membership_actor> promise;
    caf::actor_addr plugin;
  };

  /// At most this many frames are held for a member that has not activated;
  /// beyond it the oldest are dropped and logged (a plugin stuck in open).
  static constexpr size_t max_held = 10'000;

  enum class link { none, pending, ready };

  /// Coalesced events (a big room's presence count) go out at most this often.
  static constexpr auto coalesce_interval = std::chrono::seconds(1);

  // --- broker events ---
  void on_published(const std::string& payload);
  void coalesce(frame_ptr frame);
  void flush_coalesced();
  void on_entry(const stream_entry& entry);
  void deliver(member& m, const std::optional<stream_id>& id, const frame_ptr& frame);

  // --- membership ---
  caf::result<membership_actor> join(topic_member info);
  void activate(const caf::actor_addr& plugin, const std::vector<std::string>& catch_up,
                const std::string& after);
  void leave(const caf::actor_addr& plugin);
  void stop();
  void ensure_links();
  void on_link_ready(link& which);
  void on_link_failed(const caf::error& err);
  void answer_waiting();
  bool ready_for(const member& m) const;
  topic_report describe() const;

  topic_actor::stateful_pointer<topic_state> self = nullptr;
  std::string key;
  std::string stream;
  std::string plugin;
  std::string default_event;
  broker_handles broker;
  topic_registry_actor registry;
  std::unordered_map<caf::actor_addr, member> members;
  size_t streams_members = 0;
  uint64_t joins = 0;
  /// Events that went to members, each counted once (a stored one not
  /// again when it also comes through the stream; a coalesced one only
  /// when it goes out).
  uint64_t delivered = 0;
  link subscribed = link::none;
  link listening = link::none;
  uint64_t listen_generation = 0;
  std::vector<waiting_join> waiting;
  // --- coalesced events ---
  frame_ptr coalesced;       ///< the newest coalesced frame not sent yet
  bool flush_due = false;    ///< a flush is scheduled
  std::chrono::steady_clock::time_point last_flush{};
};

topic_actor::behavior_type topic(topic_actor::stateful_pointer<topic_state> self,
                                 topic_request first, broker_handles broker,
                                 topic_registry_actor registry);

} // namespace sb
