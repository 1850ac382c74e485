#pragma once
// One WebSocket attached to a single chat stream: connects, checks the
// opening every chat client gets (welcome, history, its own joined), and
// sends messages in lock-step with their ack.

#include "tests/support/frames.hpp"
#include "tests/support/ws_client.hpp"

#include <cstdint>
#include <string>

namespace sb::test {

class chat_peer {
public:
  /// Throws when the opening frames are not welcome, history, joined(self)
  /// (other sockets' joined and left events before it are skipped).
  chat_peer(uint16_t port, std::string stream, std::string strategy, const params& extra = {},
            ws_options opts = {});

  /// Sends `text` with a fresh ref and reads until both its ack and its own
  /// `message` event arrived (dropping other frames); returns the ack id.
  std::string say(const std::string& text);

  ws_client ws;
  std::string stream;
  std::string strategy;
  json welcome;   ///< the first frame
  json user;      ///< welcome.user: who the server says we are
  json history;   ///< data.messages of the history event
};

} // namespace sb::test
