#include "net/ws_codec.hpp"

#include <algorithm>

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
  reason = reason.substr(0, 123);
  while (!reason.empty() && !valid_utf8(reason))
    reason.remove_suffix(1); // never cut a UTF-8 sequence in half
  payload.append(reason);
  return encode(op_close, payload);
}

bool valid_utf8(std::string_view text) {
  auto s = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  size_t n = text.size();
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += len;
  }
  return true;
}

namespace {

bool known_opcode(uint8_t op) {
  return op <= op_binary || (op >= op_close && op <= op_pong);
}

} // namespace

parse_result parse(uint8_t* data, size_t size, size_t max_payload, frame& out) {
  if (size < 2)
    return {};
  bool fin = data[0] & 0x80;
  uint8_t op = data[0] & 0x0F;
  bool masked = data[1] & 0x80;
  uint64_t len = data[1] & 0x7F;
  if ((data[0] & 0x70) != 0 || !masked || !known_opcode(op))
    return {parse_status::bad, 0, 0}; // RSV bits without an extension, or unmasked
  bool control = op >= op_close;
  if (control && (!fin || len > 125))
    return {parse_status::bad, 0, 0};
  size_t pos = 2;
  if (len == 126 || len == 127) {
    size_t bytes = len == 126 ? 2 : 8;
    if (size < pos + bytes)
      return {};
    len = 0;
    for (size_t k = 0; k < bytes; ++k)
      len = (len << 8) | data[pos + k];
    pos += bytes;
  }
  if (size < pos + 4)
    return {};
  uint8_t mask[4] = {data[pos], data[pos + 1], data[pos + 2], data[pos + 3]};
  pos += 4;
  if (!control && len > max_payload)
    return {parse_status::too_big, pos, len};
  if (size - pos < len)
    return {};
  auto payload = data + pos;
  for (uint64_t k = 0; k < len; ++k)
    payload[k] ^= mask[k & 3];
  out.op = static_cast<opcode>(op);
  out.fin = fin;
  out.payload = std::string_view{reinterpret_cast<const char*>(payload), static_cast<size_t>(len)};
  return {parse_status::ok, pos + static_cast<size_t>(len), 0};
}

} // namespace sb::ws
