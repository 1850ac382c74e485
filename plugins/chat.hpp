#pragma once
// The chat plugin (PROTOCOL §4): history on start (or a `since` replay),
// `send` -> XADD to `<stream>:chat` and PUBLISH (one broker `post`) ->
// `message` everywhere, ephemeral `joined`/`left` (not for crowds), and
// `history {before, limit}` paging back through the stored messages. One
// actor per (socket, stream); it talks to its connection (hooks, replies,
// joining the topic), its topic (going live), and the broker command actor.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/lean_actor.hpp"
#include "plugins/plugin_actor.hpp"

namespace sb {

struct chat_state : plugin_base<plugin_actor::stateful_pointer<chat_state>> {
  static inline const char* name = "chat";

  caf::result<open_result> open();
  void read_history(open_promise rp, open_result result);
  void read_replay(open_promise rp);
  caf::result<ok_atom> start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void send_message(const nlohmann::json& ref, const nlohmann::json& data);
  void load_older(const nlohmann::json& ref, const nlohmann::json& data);
  void close();
  void leave();

  /// Publishes an ephemeral event (joined, left) to the stream.
  void publish(std::string_view event, const std::string& data_json);
  std::string message_data(const std::string& text) const;
  std::string history_frame(const std::vector<stream_entry>& entries) const;
  std::string messages_json(const std::vector<stream_entry>& entries) const;
  std::string history_reply(const nlohmann::json& ref, const std::vector<stream_entry>& entries,
                            bool more) const;
};

plugin_actor::behavior_type chat(lean_pointer<plugin_actor, chat_state> self,
                                 plugin_context ctx);
plugin_actor spawn_chat(caf::actor_system& sys, plugin_context ctx);

} // namespace sb
