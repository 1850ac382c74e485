#pragma once
// Where an upgraded socket's incoming messages go: the other half of
// frame_sink. The WebSocket session calls it on its loop thread, in the
// order the bytes arrived, and never after on_closed(). The server's wiring
// implements it (actors/connection: each call becomes a message to the
// socket's connection actor); tests may implement it too. Every member must
// return at once: the loop serves many sockets.

#include <cstdint>
#include <memory>
#include <string>

namespace sb {

class message_handler {
public:
  virtual ~message_handler() = default;

  /// One complete data message (text is valid UTF-8). The receiver calls
  /// frame_sink::consumed() once it handled it.
  virtual void on_message(std::string payload, bool binary) = 0;

  /// The peer sent its Close, or broke the protocol: nothing more is read.
  /// The receiver finishes every message delivered before (their replies
  /// still go out), then calls frame_sink::close(); the session's closing
  /// frame (`code`: the echo, or the protocol error) follows those replies.
  /// The session bounds the wait with its close timer.
  virtual void on_peer_closing(uint16_t code) = 0;

  /// The socket is gone; `code` is how it ended (1006: without a handshake).
  virtual void on_closed(uint16_t code) = 0;
};

using handler_ptr = std::unique_ptr<message_handler>;

} // namespace sb
