#include "net/ws_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/ws_codec.hpp"

namespace sb::ws {

namespace {

/// A message's buffer is reserved up to this from its header; beyond, it
/// grows as bytes really arrive (a header may claim far more than comes).
constexpr uint64_t max_reserve = 1 << 20;

bool known_opcode(uint8_t op) {
  return op <= op_binary || (op >= op_close && op <= op_pong);
}

/// Appends `n` masked bytes to `out`, unmasked; `offset` is the position
/// of data[0] in the frame's payload (the mask repeats every 4 bytes).
void append_unmasked(std::string& out, const uint8_t* data, size_t n, const uint8_t* mask,
                     uint64_t offset) {
  size_t old = out.size();
  out.append(reinterpret_cast<const char*>(data), n);
  auto* p = reinterpret_cast<uint8_t*>(out.data()) + old;
  uint8_t rotated[8];
  for (size_t k = 0; k < 8; ++k)
    rotated[k] = mask[(offset + k) & 3];
  uint64_t word_mask;
  std::memcpy(&word_mask, rotated, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    word ^= word_mask;
    std::memcpy(p + i, &word, 8);
  }
  for (; i < n; ++i)
    p[i] ^= rotated[i & 7];
}

} // namespace

bool valid_close_code(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
         || (code >= 3000 && code <= 4999);
}

size_t reader::header_bytes() const {
  auto len = head_[1] & 0x7F;
  return 2 + (len == 126 ? 2 : len == 127 ? 8 : 0) + 4;
}

// The length the header declares (valid once it is complete up to the mask).
uint64_t reader::payload_length() const {
  uint64_t len = head_[1] & 0x7F;
  if (len < 126)
    return len;
  size_t bytes = len == 126 ? 2 : 8;
  len = 0;
  for (size_t k = 2; k < 2 + bytes; ++k)
    len = (len << 8) | head_[k];
  return len;
}

size_t reader::feed(const uint8_t* data, size_t size, reader_handler& h) {
  size_t pos = 0;
  while (pos < size && stage_ != stage::finished) {
    if (stage_ == stage::payload) {
      auto k = static_cast<size_t>(std::min<uint64_t>(remaining_, size - pos));
      if (!take_payload(data + pos, k, h))
        return pos + k;
      pos += k;
      remaining_ -= k;
      if (remaining_ == 0)
        end_frame(h);
      continue;
    }
    size_t want = header_step();
    size_t k = std::min(want - head_size_, size - pos);
    std::memcpy(head_ + head_size_, data + pos, k);
    head_size_ += static_cast<uint8_t>(k);
    pos += k;
    if (head_size_ == want)
      header_complete(h);
  }
  return pos;
}

// The header comes in three steps, each checked as soon as it is here:
// the first two bytes, the extended length, the mask. A frame that breaks
// the rules fails before the rest of its header arrives.
size_t reader::header_step() const {
  if (head_size_ < 2)
    return 2;
  size_t full = header_bytes();
  return head_size_ < full - 4 ? full - 4 : full;
}

void reader::header_complete(reader_handler& h) {
  size_t full = header_bytes();
  if (head_size_ == 2 && !check_start(h))
    return;
  if (head_size_ == full - 4 && !check_length(h))
    return;
  if (head_size_ == full) {
    start_payload();
    if (remaining_ == 0)
      end_frame(h);
  }
}

bool reader::check_start(reader_handler& h) {
  uint8_t op = head_[0] & 0x0F;
  bool fin = head_[0] & 0x80;
  if (head_[0] & 0x70)
    return fail(h, 1002, "Reserved bits set"), false; // no extension was negotiated
  if (!known_opcode(op))
    return fail(h, 1002, "Reserved opcode"), false;
  if (!(head_[1] & 0x80))
    return fail(h, 1002, "Unmasked client frame"), false;
  if (control()) {
    if (!fin)
      return fail(h, 1002, "Fragmented control frame"), false;
    if ((head_[1] & 0x7F) > 125)
      return fail(h, 1002, "Control frame over 125 bytes"), false;
  } else if (op == op_continuation && message_op_ == 0) {
    return fail(h, 1002, "Continuation with no message"), false;
  } else if (op != op_continuation && message_op_ != 0) {
    return fail(h, 1002, "New message inside a fragmented one"), false;
  }
  return true;
}

bool reader::check_length(reader_handler& h) {
  auto form = head_[1] & 0x7F;
  uint64_t len = payload_length();
  if (form == 127 && (len >> 63))
    return fail(h, 1002, "Length with the top bit set"), false;
  if ((form == 126 && len < 126) || (form == 127 && len <= 0xFFFF))
    return fail(h, 1002, "Length not minimally encoded"), false;
  // message_ never holds more than max_message_, so this cannot wrap.
  if (!control() && len > max_message_ - message_.size())
    return fail(h, 1009, "Message too big"), false;
  remaining_ = len;
  return true;
}

void reader::start_payload() {
  stage_ = stage::payload;
  if (control()) {
    control_.clear();
    return;
  }
  uint8_t op = head_[0] & 0x0F;
  if (op == op_continuation)
    return;
  message_op_ = op;
  message_.clear();
  utf8_.reset();
  if (head_[0] & 0x80) // unfragmented: this frame is the whole message
    message_.reserve(static_cast<size_t>(std::min(remaining_, max_reserve)));
}

bool reader::take_payload(const uint8_t* data, size_t n, reader_handler& h) {
  const uint8_t* mask = head_ + header_bytes() - 4;
  uint64_t offset = payload_length() - remaining_; // where data[0] is in the payload
  if (control()) {
    append_unmasked(control_, data, n, mask, offset);
    return true;
  }
  size_t old = message_.size();
  append_unmasked(message_, data, n, mask, offset);
  // Fail fast: the bad byte ends the connection, not the end of the message.
  if (message_op_ == op_text
      && !utf8_.feed(reinterpret_cast<const uint8_t*>(message_.data()) + old, n)) {
    fail(h, 1007, "Invalid UTF-8");
    return false;
  }
  return true;
}

void reader::end_frame(reader_handler& h) {
  uint8_t op = head_[0] & 0x0F;
  bool fin = head_[0] & 0x80;
  stage_ = stage::header;
  head_size_ = 0;
  switch (op) {
    case op_ping:
      return h.on_ping(control_);
    case op_pong:
      return h.on_pong(control_);
    case op_close:
      return end_close(h);
    default:
      break;
  }
  if (!fin)
    return;
  if (message_op_ == op_text && !utf8_.complete())
    return fail(h, 1007, "Invalid UTF-8"); // a sequence cut off by the end
  bool binary = message_op_ == op_binary;
  message_op_ = 0;
  h.on_message(std::move(message_), binary);
  message_.clear();
}

void reader::end_close(reader_handler& h) {
  stage_ = stage::finished;
  if (control_.empty())
    return h.on_close(1005, {});
  if (control_.size() == 1)
    return fail(h, 1002, "Close body of one byte");
  auto code = static_cast<uint16_t>((static_cast<uint8_t>(control_[0]) << 8)
                                    | static_cast<uint8_t>(control_[1]));
  if (!valid_close_code(code))
    return fail(h, 1002, "Invalid close code");
  auto reason = std::string_view{control_}.substr(2);
  if (!valid_utf8(reason))
    return fail(h, 1007, "Invalid UTF-8 in the close reason");
  h.on_close(code, reason);
}

void reader::fail(reader_handler& h, uint16_t code, const char* reason) {
  stage_ = stage::finished;
  std::string{}.swap(message_);
  h.on_error(code, reason);
}

} // namespace sb::ws
