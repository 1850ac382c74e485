#pragma once
// A socket carrying custom plugins (relay, proxy, loaded) for their
// integration tests: connects with any specs, reads welcome, and sends
// commands with fresh refs.

#include "tests/support/frames.hpp"
#include "tests/support/ws_client.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::test {

/// A spec `{"name","stream"[,"strategy"][,"since"]}`.
json plugin_spec(const std::string& name, const std::string& stream,
                 const std::string& strategy = {}, const std::string& since = {});

class plugin_socket {
public:
  /// Connects with `specs` and reads welcome (throws if the first frame is not one).
  plugin_socket(uint16_t port, const json& specs, const params& extra = {});

  /// Sends `event` with `data` to `client` on `stream`; returns the ref.
  std::string send(const std::string& client, const std::string& stream,
                   const std::string& event, const json& data = json::object());
  /// Reads until the ack or error of `ref`; every frame read, that one last.
  std::vector<json> until_answer(const std::string& ref);
  /// Sends and reads until the answer; the answer (ack or error).
  json command(const std::string& client, const std::string& stream, const std::string& event,
               const json& data = json::object());
  /// Reads until an event `event` of `client`; every frame read, that one last.
  std::vector<json> until_event(const std::string& client, const std::string& event);

  ws_client ws;
  json welcome;
  json user;
};

} // namespace sb::test
