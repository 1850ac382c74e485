#include "core/ws_codec.hpp"

#include "core/utf8.hpp"

namespace sb::ws {

size_t header_size(size_t n) {
  return n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
}

std::string encode(opcode op, std::string_view payload) {
  auto n = payload.size();
  std::string out;
  out.reserve(header_size(n) + n);
  out.push_back(static_cast<char>(0x80 | op));
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((static_cast<uint64_t>(n) >> shift) & 0xFF));
  }
  out.append(payload);
  return out;
}

std::string encode_close(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  reason = reason.substr(0, max_close_reason);
  while (!reason.empty() && !valid_utf8(reason))
    reason.remove_suffix(1); // never cut a UTF-8 sequence in half
  payload.append(reason);
  return encode(op_close, payload);
}

} // namespace sb::ws
