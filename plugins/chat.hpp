#pragma once
// The chat plugin (PROTOCOL §4): history on start (or a `since` replay),
// `send` -> XADD to `<stream>:chat` + PUBLISH -> `message` everywhere, and
// ephemeral `joined`/`left` (not for crowds); `history {before, limit}` pages
// back through the stored messages. One actor per (socket, stream); it talks to its
// connection (hooks), the topic registry and topic (membership), and the
// broker command actor (storage).

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "plugins/plugin.hpp"
#include "plugins/pending_commands.hpp"

namespace sb {

struct chat_state {
  static inline const char* name = "chat";

  caf::result<open_result> open();
  void on_joined(caf::actor topic, caf::response_promise rp);
  void read_history(caf::response_promise rp, open_result result);
  void read_replay(caf::response_promise rp);
  void start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void send_message(const nlohmann::json& ref, const nlohmann::json& data);
  void load_older(const nlohmann::json& ref, const nlohmann::json& data);
  void close();
  void leave();

  void reply(std::string frame);
  /// Publishes an ephemeral event (joined, left) to the stream.
  void publish(std::string_view event, const std::string& data_json);
  std::string message_data(const std::string& text) const;
  std::string history_frame(const std::vector<stream_entry>& entries) const;
  std::string messages_json(const std::vector<stream_entry>& entries) const;
  std::string history_reply(const nlohmann::json& ref, const std::vector<stream_entry>& entries,
                            bool more) const;

  caf::stateful_actor<chat_state>* self = nullptr;
  plugin_context ctx;
  caf::actor topic;
  std::vector<frame_ptr> catch_up; ///< sent at start, before going live
  std::string after_id;            ///< newest id in catch_up
  pending_commands pending;        ///< sends awaiting their XADD
  bool started = false;
  bool closed = false;
};

caf::behavior chat(caf::stateful_actor<chat_state>* self, plugin_context ctx);

caf::actor spawn_chat(caf::actor_system& sys, plugin_context ctx);

} // namespace sb
