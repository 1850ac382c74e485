#pragma once
// How events look inside the broker (docs/redis-layout.md describes it for
// operators): a stream entry has fields `event` (optional) and `data` (JSON);
// a published payload is `{"event":..,"id":..,"data":..}`, where `id` is set
// when the same event was also appended to the stream. Plugins encode,
// topics decode once per event.

#include <string>
#include <string_view>
#include <vector>

#include "core/messages.hpp"

namespace sb {

struct decoded_event {
  std::string event;
  std::string id;   ///< empty for ephemeral events
  std::string data; ///< valid JSON text
  std::string to_user;       ///< only this user's sockets get it (if set)
  std::string except_socket; ///< this socket does not get it (if set)
  bool coalesce = false;     ///< only the newest, at most once a second (counts)
  uint64_t max_members = 0;  ///< not sent to topics with more members (0: no limit)
};

/// How topics treat an ephemeral published event (see decoded_event).
struct publish_options {
  bool coalesce = false;
  uint64_t max_members = 0;
};

/// Fields for XADD: `event <event> data <data_json>`.
std::vector<std::string> entry_fields(std::string_view event, std::string data_json);

/// The payload for PUBLISH; `id` empty for events that are not stored.
std::string encode_published(std::string_view event, std::string_view id,
                             std::string_view data_json, const publish_options& opts = {});

/// A published ephemeral event for one user's sockets (every user's when
/// `to_user` is empty) but one socket (none when `except_socket` is empty).
std::string encode_published_to(std::string_view event, std::string_view data_json,
                                std::string_view to_user, std::string_view except_socket);

/// True when all of `text` is one JSON document. nlohmann's lexer takes a
/// NUL byte for the end of its input, so `{}` followed by a NUL and any
/// bytes parses; passed on as it is, that text would make a frame that is
/// not JSON. Use this before writing text into a frame unchanged.
bool is_json_text(std::string_view text);

/// Decodes a published payload. A payload that is not our envelope (a
/// backend's own PUBLISH) is taken whole as `data` of `default_event`.
decoded_event decode_published(std::string_view payload, std::string_view default_event);

/// Decodes a stream entry. A `data` field that is not JSON becomes a string.
decoded_event decode_entry(const stream_entry& entry, std::string_view default_event);

} // namespace sb
