#pragma once
// The JSON bodies of the HTTP API (PROTOCOL §5) read into requests: POST
// /api/publish, /api/demo/notify (no key needed when demo routes are on)
// and /api/disconnect, and the disconnect requests other nodes publish on
// the broker. Every field's type is checked, never assumed: a body that is
// not what the route takes is a 400 with the reason, never an exception
// on the event loop (which would end the process). The api handler and
// the disconnector call these; fuzz/api_body_fuzzer feeds them.

#include <string>
#include <string_view>
#include <variant>

namespace sb {

struct publish_body {
  std::string stream;
  std::string client;
  std::string event;                 ///< empty: the plugin's default event
  std::string strategy = "streams";  ///< "streams" or "pub-sub", checked
  std::string data = "null";         ///< JSON text
};

/// `{"stream","client","event"?,"strategy"?,"data"?}`, or why not.
std::variant<publish_body, std::string> parse_publish_body(std::string_view body);

/// The demo's `{"stream","data"?}`: a notification to publish.
std::variant<publish_body, std::string> parse_demo_notify_body(std::string_view body);

struct disconnect_body {
  std::string user;   ///< exactly one of user and socket is set
  std::string socket;
  std::string origin; ///< the node that published it (broker requests only)
};

/// `{"user"}` or `{"socket"}` (plus `origin` from the broker), or why not.
std::variant<disconnect_body, std::string> parse_disconnect_body(std::string_view body);

} // namespace sb
