#pragma once
// The server's WebSocket reader (RFC 6455), in the spirit of hiredis'
// read.c: it is fed the bytes a client sent, in whatever pieces they came,
// and reports messages, pings, pongs, the peer's Close, or the protocol
// error that fails the connection. No socket, timer or actor: the session
// feeds it and acts on what it reports; unit tests feed it directly.
//
// Checked here: masking, reserved bits and opcodes, minimal length
// encoding and the 64-bit length's top bit (§5.2); fragmentation and
// control frames (§5.4, §5.5); close bodies, codes and reasons (§5.5.1,
// §7.4); UTF-8 of text, validated as the bytes arrive, so a bad byte
// fails the connection at once even in the middle of a frame (§8.1). A
// message over the size limit fails with 1009 as soon as its header says
// so. After a Close or an error the reader reads nothing more (§7.1.7).
//
// Cost: the payload is unmasked while being copied, once, into the
// message handed on; a frame split across reads needs no extra copy.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace sb::ws {

/// What a reader found, reported in the order the bytes arrived.
class reader_handler {
public:
  virtual ~reader_handler() = default;
  /// One complete data message; text is valid UTF-8.
  virtual void on_message(std::string payload, bool binary) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong(std::string_view payload) = 0;
  /// A valid Close frame; `code` is 1005 when it had no body. The last report.
  virtual void on_close(uint16_t code, std::string_view reason) = 0;
  /// The peer broke the protocol: fail the connection with `code` (1002,
  /// 1007 or 1009). The last report.
  virtual void on_error(uint16_t code, const char* reason) = 0;
};

/// True for the close codes a peer may send (§7.4): 1000-1003, 1007-1011,
/// 1012-1014 (registered with IANA since), 3000-4999.
bool valid_close_code(uint16_t code);

class reader {
public:
  /// Data messages may hold at most `max_message` bytes (all fragments).
  explicit reader(uint64_t max_message) : max_message_(max_message) {}

  /// Reads `size` bytes, reporting to `h` as it goes. Returns the bytes
  /// read: all of them, unless a Close or an error ended the reading.
  size_t feed(const uint8_t* data, size_t size, reader_handler& h);

  /// True after a Close or an error: nothing more is read.
  bool finished() const { return stage_ == stage::finished; }

private:
  enum class stage : uint8_t { header, payload, finished };

  size_t header_step() const;
  void header_complete(reader_handler& h);
  bool check_start(reader_handler& h);
  bool check_length(reader_handler& h);
  void start_payload();
  bool take_payload(const uint8_t* data, size_t n, reader_handler& h);
  void end_frame(reader_handler& h);
  void end_close(reader_handler& h);
  void fail(reader_handler& h, uint16_t code, const char* reason);
  bool control() const { return (head_[0] & 0x08) != 0; }
  size_t header_bytes() const;
  uint64_t payload_length() const;

  // Ordered for size: one reader lives in every socket.
  uint64_t max_message_;
  uint64_t remaining_ = 0;  ///< payload bytes of the current frame still to come
  std::string message_;     ///< the data message being assembled
  std::string control_;     ///< the payload of the current control frame
  uint8_t head_[14] = {};   ///< the current frame's header, as far as it came
  uint8_t head_size_ = 0;
  stage stage_ = stage::header;
  uint8_t message_op_ = 0;  ///< text or binary while a message is open, else 0
  utf8_validator utf8_;     ///< over message_ so far, for text
};

} // namespace sb::ws
