#include "core/utf8.hpp"

#include <cstring>

namespace sb {

namespace {

/// Eight ASCII bytes at once: most text is ASCII, and this is the hot path
/// of every incoming text message.
size_t skip_ascii(const uint8_t* s, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, s + i, 8);
    if (word & 0x8080808080808080ull)
      break;
  }
  while (i < n && s[i] < 0x80)
    ++i;
  return i;
}

} // namespace

bool utf8_validator::feed(const uint8_t* s, size_t n) {
  if (need_ == failed)
    return false;
  size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      i += skip_ascii(s + i, n - i);
      if (i == n)
        break;
      uint8_t c = s[i++];
      // The lead byte fixes the length and the range of the first
      // continuation byte (RFC 3629 §4).
      if (c >= 0xC2 && c <= 0xDF) {
        need_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need_ = 2;
        lo_ = c == 0xE0 ? 0xA0 : 0x80;
        hi_ = c == 0xED ? 0x9F : 0xBF;
      } else if (c >= 0xF0 && c <= 0xF4) {
        need_ = 3;
        lo_ = c == 0xF0 ? 0x90 : 0x80;
        hi_ = c == 0xF4 ? 0x8F : 0xBF;
      } else {
        need_ = failed; // a continuation byte, C0/C1 (overlong) or F5..FF
        return false;
      }
      continue;
    }
    uint8_t c = s[i++];
    if (c < lo_ || c > hi_) {
      need_ = failed;
      return false;
    }
    --need_;
    lo_ = 0x80;
    hi_ = 0xBF;
  }
  return true;
}

bool valid_utf8(std::string_view text) {
  utf8_validator v;
  return v.feed(text) && v.complete();
}

} // namespace sb
