#pragma once
// UTF-8 validation (RFC 3629) that can be fed a text in pieces: a WebSocket
// text message arrives in frames and each frame in reads, and RFC 6455
// §8.1 wants an invalid one failed as soon as the bad byte is seen, not
// when the message is complete. No allocation; one byte of state.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sb {

class utf8_validator {
public:
  /// Checks `n` more bytes; false from the first invalid byte on (the
  /// validator stays failed until reset()).
  bool feed(const uint8_t* s, size_t n);
  bool feed(std::string_view text) {
    return feed(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }
  /// True when every byte so far was valid and no sequence is cut off.
  bool complete() const { return need_ == 0; }
  void reset() { need_ = 0; lo_ = 0x80; hi_ = 0xBF; }

private:
  static constexpr uint8_t failed = 0xFF;
  uint8_t need_ = 0;  ///< continuation bytes still expected; `failed` once invalid
  uint8_t lo_ = 0x80; ///< the range the next continuation byte must be in
  uint8_t hi_ = 0xBF; ///< (narrower after E0, ED, F0, F4: no overlong, surrogate or > U+10FFFF)
};

/// True when `text` is complete, valid UTF-8.
bool valid_utf8(std::string_view text);

} // namespace sb
