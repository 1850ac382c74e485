#include "core/messages.hpp"

#include <caf/actor_system_config.hpp>
#include <nlohmann/json.hpp>

#include "core/actors.hpp"

namespace sb {

std::string user_info::json() const {
  return nlohmann::json{{"id", id}, {"name", name}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<open_result>("sb::open_result");
  cfg.add_message_type<plugin_settings>("sb::plugin_settings");
  cfg.add_message_type<topic_request>("sb::topic_request");
  cfg.add_message_type<stream_id>("sb::stream_id");
  cfg.add_message_type<plugin_spec>("sb::plugin_spec");
  cfg.add_message_type<stream_entry>("sb::stream_entry");
  cfg.add_message_type<std::vector<stream_entry>>("std::vector<sb::stream_entry>");
  cfg.add_message_type<stream_replay>("sb::stream_replay");
  cfg.add_message_type<group_batch>("sb::group_batch");
  cfg.add_message_type<presence_conn>("sb::presence_conn");
  cfg.add_message_type<presence_user>("sb::presence_user");
  cfg.add_message_type<std::vector<presence_user>>("std::vector<sb::presence_user>");
  cfg.add_message_type<backend_response>("sb::backend_response");
  cfg.add_message_type<broker_handles>("sb::broker_handles");
  cfg.add_message_type<membership_actor>("sb::membership_actor");
  cfg.add_message_type<channel_actor>("sb::channel_actor");
  cfg.add_message_type<stream_actor>("sb::stream_actor");
  cfg.add_message_type<plugin_ref>("sb::plugin_ref");
  cfg.add_message_type<socket_report>("sb::socket_report");
  cfg.add_message_type<std::vector<socket_report>>("std::vector<sb::socket_report>");
  cfg.add_message_type<topic_report>("sb::topic_report");
  cfg.add_message_type<std::vector<topic_report>>("std::vector<sb::topic_report>");
  cfg.add_message_type<config_entry>("sb::config_entry");
  cfg.add_message_type<std::vector<config_entry>>("std::vector<sb::config_entry>");
  cfg.add_message_type<admin_actor>("sb::admin_actor");
  cfg.add_message_type<user_info>("sb::user_info");
  cfg.add_message_type<plugin_context>("sb::plugin_context");
  cfg.add_message_type<plugin_actor>("sb::plugin_actor");
  cfg.add_message_type<worker_actor>("sb::worker_actor");
  cfg.add_message_type<worker_report>("sb::worker_report");
  cfg.add_message_type<std::vector<worker_report>>("std::vector<sb::worker_report>");
}

} // namespace sb
