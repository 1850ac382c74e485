#pragma once
// The WebSocket wire format (RFC 6455) as the server writes it: its own
// frames, unmasked with FIN set, built once and shared by every receiver.
// Reading what clients send is net/ws_reader's job.

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

/// The longest reason a close frame holds: 125 payload bytes less the code.
inline constexpr size_t max_close_reason = 123;

/// A close frame carrying `code` and `reason` (cut to max_close_reason
/// bytes, never inside a UTF-8 sequence).
std::string encode_close(uint16_t code, std::string_view reason);

/// Bytes of the header encode() puts before a payload of `n` bytes.
size_t header_size(size_t n);

} // namespace sb::ws
