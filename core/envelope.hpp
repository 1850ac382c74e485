#pragma once
// The JSON frames of PROTOCOL §3: parsing client commands and building the
// server's replies and events. Event frames are built by concatenation
// around an already-serialized `data`, so a topic pays for one string build
// per event no matter how many sockets receive it. Also the one way to
// parse JSON that a client wrote (commands, `clients`, API bodies).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/error.hpp"

namespace sb {

/// JSON nested deeper than this is refused. nlohmann::json copies, compares
/// and serializes by recursion, one stack frame per level: without a bound
/// a client chooses how deep the server's stack goes (150,000 levels fit in
/// a 1 MiB frame and overflow it).
constexpr size_t max_json_depth = 64;

/// What parse_client_json() found.
struct client_json {
  enum status { ok, invalid, too_deep };
  status status = invalid;
  nlohmann::json value; ///< the document when ok, else discarded
};

/// Parses `text` as one JSON document, refusing it as soon as it opens
/// level max_json_depth + 1 (parsing itself does not recurse).
client_json parse_client_json(std::string_view text);

/// A client → server command.
struct command {
  std::string client;
  std::string stream;
  std::string event;
  nlohmann::json ref;  ///< null when absent; a string or a number otherwise
  nlohmann::json data; ///< an object (empty when absent)
};

/// A control command (protocol version 2): `{"type":"subscribe"|"unsubscribe",
/// "ref","clients":[...]}` changes the plugins on an open socket.
struct control_command {
  enum kind { subscribe, unsubscribe };
  kind type = subscribe;
  nlohmann::json ref;     ///< null when absent; a string or a number otherwise
  nlohmann::json clients; ///< a non-empty array of objects
};

/// A command that could not be parsed; `ref` is echoed when it was readable.
struct command_error {
  ec code;
  std::string message;
  nlohmann::json ref;
};

/// A frame with `type` is a control command, any other a plugin command.
std::variant<command, control_command, command_error> parse_command(std::string_view text);

/// `{"type":"error",...}`; `ref`, `client` and `stream` are omitted when null.
std::string error_frame(ec code, std::string_view message, const nlohmann::json& ref = nullptr,
                        const std::optional<std::string>& client = std::nullopt,
                        const std::optional<std::string>& stream = std::nullopt);

/// `{"type":"ack","ref":...[,"id":...]}`.
std::string ack_frame(const nlohmann::json& ref, std::string_view id = {});

/// `{"type":"ack","ref":...,"clients":[outcome...]}`: the one reply to a
/// subscribe or unsubscribe, an outcome per spec in the command's order.
std::string control_reply_frame(const nlohmann::json& ref, nlohmann::json outcomes);

/// `{"client","stream","event"[,"id"],"data"}`; `data_json` must be valid
/// JSON text and `id` is left out when empty. Plugin and stream names are
/// validated to need no escaping; the event name is escaped.
std::string event_frame(std::string_view client, std::string_view stream, std::string_view event,
                        std::string_view id, std::string_view data_json);

} // namespace sb
