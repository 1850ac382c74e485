#pragma once
// An outgoing WebSocket text frame, shared read-only by every socket it goes
// to: a topic serializes an event once, frames it once (header included),
// and hands the same bytes to all of its members. Also the sink interface
// that accepts such frames (the other direction is net/message_handler).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/ws_codec.hpp"

namespace sb {

struct socket_identity; // core/messages.hpp

/// The complete wire bytes of one server frame.
using frame_ptr = std::shared_ptr<const std::string>;

/// Frames `text` as one WebSocket text frame.
inline frame_ptr make_frame(std::string_view text) {
  return std::make_shared<const std::string>(ws::encode(ws::op_text, text));
}

/// What an operator sees of a socket itself (`switchboard ctl sockets`).
struct sink_report {
  std::string remote;        ///< the peer's address:port
  uint64_t queued_bytes = 0; ///< queued and not yet written
  uint64_t age_ms = 0;       ///< since the upgrade
};

/// Where a socket's outgoing frames go. Implemented by the WebSocket session
/// (and by fakes in tests). Every member function is thread-safe and never
/// blocks: callers are actors on the CAF scheduler.
class frame_sink {
public:
  virtual ~frame_sink() = default;

  /// Queues one frame. A sink whose queue exceeds its byte limit closes the
  /// socket with 4008 and drops the frame.
  virtual void send(frame_ptr frame) = 0;

  /// Starts the closing handshake; later sends are dropped. Frames queued
  /// before still go out, then the close frame. After the peer's Close or
  /// a protocol error (message_handler::on_peer_closing) the session
  /// answers with the code it holds for that, whatever `code` says.
  virtual void close(uint16_t code, std::string reason) = 0;

  /// The receiver of this socket's messages finished one. A socket stops
  /// reading while too many are unprocessed, so a client that floods the
  /// server fills its own TCP window instead of the server's memory.
  virtual void consumed() {}

  /// Tells the socket whose it is (for disconnects by user): the identity
  /// its connection and plugins share (core/messages.hpp), no copy.
  virtual void identify(std::shared_ptr<const socket_identity> who) { (void) who; }

  /// Closes the socket with 4401 `Unauthorized` after `after` (its token's
  /// remaining life). The socket keeps the timer, so an actor that is gone
  /// holds nothing until then.
  virtual void expire_after(std::chrono::seconds after) { (void) after; }

  /// The socket's peer, queue and age, read from any thread.
  virtual sink_report report() const { return {}; }
};

using sink_ptr = std::shared_ptr<frame_sink>;

} // namespace sb
