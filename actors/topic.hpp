#pragma once
// The "actor group" of one key (`<stream>:<plugin>`) on this node: an entry
// in a topic shard (actors/topic_shard), which is the actor that runs it,
// not an actor of its own (an actor per key cost about 1.4 KB of heap plus
// its behavior and mailbox; an entry costs what its members and strings
// do). It holds the plugin actors attached to the key, subscribes to the
// broker on their behalf (pub-sub channel always, stream listener while a
// `streams` member exists), serializes each event once and hands the same
// frame to every member's sink. Members activate with their catch-up
// frames, which the topic writes before anything live, so the socket sees
// them in order. The shard creates it on the first join and drops it when
// the last member leaves.

#include <caf/actor_addr.hpp>
#include <caf/typed_response_promise.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/actors.hpp"
#include "core/event_codec.hpp"
#include "core/stream_id.hpp"

namespace sb {

struct topic_shard_state;

struct topic {
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

  enum class link : uint8_t { none, pending, ready };

  /// Coalesced events (a big room's presence count) go out at most this often.
  static constexpr auto coalesce_interval = std::chrono::seconds(1);

  /// `first.key` is `<stream>:<plugin>`, as make_key() builds it; the shard
  /// then binds the topic to its own copy of the key.
  topic(topic_shard_state& shard, const topic_request& first, uint64_t incarnation);
  void bind(const std::string& shard_key) { key_ = &shard_key; }

  /// The shard's map key, which outlives the topic: a copy of it and of
  /// the stream and plugin names cost a topic about 100 B.
  const std::string& key() const { return *key_; }
  std::string_view stream() const { return std::string_view{*key_}.substr(0, stream_size_); }
  std::string_view plugin() const { return std::string_view{*key_}.substr(stream_size_ + 1); }

  // --- broker events ---
  void on_published(const std::string& payload);
  void coalesce(frame_ptr frame);
  void flush_coalesced();
  /// Every member gets `tick`; again after pulse_ms while any is left.
  void pulse();
  void on_entry(const stream_entry& entry);
  void deliver(member& m, const std::optional<stream_id>& id, const frame_ptr& frame);

  // --- membership ---
  caf::result<membership_actor> join(topic_member info);
  void activate(const caf::actor_addr& plugin, const std::vector<std::string>& catch_up,
                const std::string& after);
  /// The member said at its join that it tells the shard when it ends.
  bool tells_its_end(const caf::actor_addr& plugin) const;
  /// The member goes; true when it was the last one.
  bool leave(const caf::actor_addr& plugin);
  /// Undoes the broker links (pending ones too) before the shard drops it.
  void stop();
  void ensure_links();
  void on_link_ready(bool listener);
  void on_link_failed(const caf::error& err);
  void answer_waiting();
  bool ready_for(const member& m) const;
  topic_report describe() const;

  topic_shard_state* shard;
  /// Tells this topic from an earlier one of the same key in the same
  /// shard, whose broker replies may still be on their way.
  uint64_t incarnation;
  const std::string* key_ = nullptr;
  uint32_t stream_size_;
  std::string default_event;
  /// Ordered, not hashed: most topics have one member (a socket's own
  /// stream), and a hash map's bucket array cost 104 B more each.
  std::map<caf::actor_addr, member> members;
  uint32_t streams_members = 0;
  link subscribed = link::none;
  link listening = link::none;
  bool flush_due = false;    ///< a coalesced flush is scheduled
  bool pulse_due = false;    ///< a pulse is scheduled
  uint32_t pulse_ms = 0;     ///< from the first join; 0: no pulse
  uint64_t listen_generation = 0;
  /// Events that went to members, each counted once (a stored one not
  /// again when it also comes through the stream; a coalesced one only
  /// when it goes out).
  uint64_t delivered = 0;
  std::vector<waiting_join> waiting;
  // --- coalesced events ---
  frame_ptr coalesced;       ///< the newest coalesced frame not sent yet
  std::chrono::steady_clock::time_point last_flush{};
};

} // namespace sb
