#pragma once
// The JSON a proxy plugin exchanges with its backend (README, "Custom
// plugins"): the hook it POSTs on open, message and close, and the answer
// that says what to do. Pure functions, so the unit tests read them whole.
//
//   -> {"hook":"message","plugin":"votes","socket":"n1-1f","user":{"id","name"},
//       "stream":"poll:7","strategy":"pub-sub","event":"vote","ref":"3","data":{...}}
//   <- {"error":{"code":"forbidden","message":"..."}}       an error for the command
//      {"accept":false,"message":"..."}                      open: refuse the spec
//      {"reply":[{"event","data"}...]}                       to this socket (open: catch-up)
//      {"broadcast":[{"event","data"}...]}                   to the stream (stored on streams)
// An empty body (e.g. 204) is `{}`: accept, ack, nothing else.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "plugins/plugin.hpp"

namespace sb {

/// One event of an answer; `data` is JSON text.
struct hook_event {
  std::string event;
  std::string data;
};

struct hook_answer {
  bool accept = true;
  std::optional<ec> error;        ///< the command fails (open: is refused) with it
  std::string message;            ///< with `error` or a refusal
  std::vector<hook_event> reply;  ///< to this socket only
  std::vector<hook_event> broadcast;
};

/// What is POSTed: `hook` is open, message or close. For message: the
/// event, the ref and data as JSON text; for open: `since` if the client
/// gave it.
std::string hook_body(std::string_view hook, const plugin_context& ctx, std::string_view event = {},
                      std::string_view ref_json = "null", std::string_view data_json = "null");

/// Reads an answer; an error saying what is wrong with it otherwise.
std::variant<hook_answer, std::string> parse_hook_answer(std::string_view body);

} // namespace sb
