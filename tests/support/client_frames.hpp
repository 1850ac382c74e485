#pragma once
// Builders for the bytes a WebSocket client puts on the wire (RFC 6455
// §5.2), including the wrong ones: unmasked frames, reserved bits and
// opcodes, lengths that lie or are not minimally encoded. Header-only, so
// the unit tests (the pure reader) and the integration tests (raw sockets
// to the real server) share them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::test {

namespace op {
constexpr uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9,
                  pong = 0xA;
constexpr uint8_t fin = 0x80;
} // namespace op

struct frame_options {
  bool mask = true;
  /// Length encoding: 0 = minimal, 2 = 16-bit, 8 = 64-bit (also when the
  /// payload would fit a shorter form).
  int length_bytes = 0;
  /// The length to declare instead of the payload's size.
  std::optional<uint64_t> declared;
};

inline frame_options unmasked() {
  frame_options o;
  o.mask = false;
  return o;
}
/// A length field of `bytes` (2 or 8) whatever the payload's size.
inline frame_options length_bytes(int bytes) {
  frame_options o;
  o.length_bytes = bytes;
  return o;
}
/// A 64-bit length field declaring `n` (the payload may be shorter).
inline frame_options declaring(uint64_t n) {
  frame_options o;
  o.length_bytes = 8;
  o.declared = n;
  return o;
}

/// One client frame: `first` is the first header byte (FIN, RSV, opcode).
inline std::string client_frame(uint8_t first, std::string_view payload, frame_options o = {}) {
  static constexpr uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  uint64_t n = o.declared.value_or(payload.size());
  int bytes = o.length_bytes ? o.length_bytes : n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
  std::string out;
  out.push_back(static_cast<char>(first));
  uint8_t mask_bit = o.mask ? 0x80 : 0;
  if (bytes == 0) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else {
    out.push_back(static_cast<char>(mask_bit | (bytes == 2 ? 126 : 127)));
    for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  if (o.mask)
    out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ (o.mask ? key[i % 4] : 0)));
  return out;
}

inline std::string text_frame(std::string_view payload, bool fin = true) {
  return client_frame((fin ? op::fin : 0) | op::text, payload);
}
inline std::string binary_frame(std::string_view payload, bool fin = true) {
  return client_frame((fin ? op::fin : 0) | op::binary, payload);
}
inline std::string continuation_frame(std::string_view payload, bool fin) {
  return client_frame((fin ? op::fin : 0) | op::continuation, payload);
}
inline std::string ping_frame(std::string_view payload = {}) {
  return client_frame(op::fin | op::ping, payload);
}
inline std::string pong_frame(std::string_view payload = {}) {
  return client_frame(op::fin | op::pong, payload);
}
/// A Close frame's body: the code, big-endian, then the reason.
inline std::string close_body(uint16_t code, std::string_view reason = {}) {
  std::string body{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  body.append(reason);
  return body;
}
inline std::string close_frame(uint16_t code, std::string_view reason = {}) {
  return client_frame(op::fin | op::close, close_body(code, reason));
}

} // namespace sb::test
