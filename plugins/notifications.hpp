#pragma once
// The notifications plugin (PROTOCOL §4): backends append to (or publish
// on) `<stream>:notifications`; subscribers get `notification` events with
// ids, unread ones as `history` on start (`streams`), and mark them read
// with `read {"id"}`, which moves a per-user mark in
// `<stream>:notifications:read` and tells the user's other sockets.

#include <caf/fwd.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "plugins/pending_commands.hpp"
#include "plugins/plugin.hpp"

namespace sb {

struct notifications_state {
  static inline const char* name = "notifications";

  caf::result<open_result> open();
  void read_unread(caf::response_promise rp, open_result result);
  void read_replay(caf::response_promise rp);
  void start();
  void on_command(const std::string& event, const std::string& ref_json,
                  const std::string& data_json);
  void mark_read(const nlohmann::json& ref, const nlohmann::json& data);
  void reply(std::string frame);
  void close();
  void leave();

  caf::stateful_actor<notifications_state>* self = nullptr;
  plugin_context ctx;
  caf::actor topic;
  std::vector<frame_ptr> catch_up;
  std::string after_id;
  pending_commands pending; ///< reads awaiting their mark
  bool closed = false;
};

caf::behavior notifications(caf::stateful_actor<notifications_state>* self,
                            plugin_context ctx);

caf::actor spawn_notifications(caf::actor_system& sys, plugin_context ctx);

} // namespace sb
