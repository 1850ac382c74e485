#pragma once
// The WebSocket wire format (RFC 6455) as the server needs it: encoding its
// own frames (unmasked, FIN set, built once and shared by every receiver)
// and parsing the masked frames clients send, one complete frame at a time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::ws {

enum opcode : uint8_t {
  op_continuation = 0x0,
  op_text = 0x1,
  op_binary = 0x2,
  op_close = 0x8,
  op_ping = 0x9,
  op_pong = 0xA,
};

/// A complete server frame: header followed by `payload`.
std::string encode(opcode op, std::string_view payload);

/// A close frame carrying `code` and `reason` (cut to fit 125 bytes).
std::string encode_close(uint16_t code, std::string_view reason);

/// Bytes of the header encode() puts before a payload of `n` bytes.
size_t header_size(size_t n);

bool valid_utf8(std::string_view text);

/// One client frame, its payload unmasked in place inside the input.
struct frame {
  opcode op = op_text;
  bool fin = true;
  std::string_view payload;
};

enum class parse_status {
  need_more, ///< the buffer does not hold a whole frame yet
  ok,        ///< `out` holds a frame; `consumed` bytes were used
  too_big,   ///< payload over the limit; `consumed` = header, `skip` = payload
  bad,       ///< protocol violation: close 1002
};

struct parse_result {
  parse_status status = parse_status::need_more;
  size_t consumed = 0;
  uint64_t skip = 0;
};

/// Parses the frame at the start of `data`. Data frames may carry at most
/// `max_payload` bytes; control frames at most 125, as the RFC says.
parse_result parse(uint8_t* data, size_t size, size_t max_payload, frame& out);

} // namespace sb::ws
