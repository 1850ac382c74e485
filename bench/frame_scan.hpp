#pragma once
// Classifies a server text frame (PROTOCOL.md §3) without parsing JSON or
// allocating: a few memmem() calls for the keys the bench needs. Sound
// because an unescaped `"key":"` cannot occur inside a JSON string value.

#include <cstdint>
#include <string_view>

namespace bench {

enum class frame_kind : uint8_t { welcome, history, message, joined, left, ack, error, other };

struct scanned_frame {
  frame_kind kind = frame_kind::other;
  std::string_view text; ///< message: data.text, raw (JSON-escaped) bytes
  std::string_view code; ///< error: the error code
  uint64_t ref = 0;      ///< ack/error: a numeric ref, 0 when absent
  std::string_view raw;  ///< the whole frame, for scenarios that look further
};

scanned_frame scan_frame(std::string_view payload);

/// The message texts the bench sends: "<send ns> <sender> <seq>" then padding.
struct marker {
  uint64_t sent_ns = 0;
  uint32_t sender = 0;
  uint64_t seq = 0;
};

/// Writes a marker into `out` (at least 64 bytes), padded with 'x' up to
/// `pad_to` bytes if `out` has room. Returns the length.
size_t write_marker(char* out, size_t room, const marker& m, size_t pad_to);

/// Reads a marker back from a message text; false when it is not one.
bool read_marker(std::string_view text, marker& m);

/// Appends the decimal digits of v to out; returns the new end.
char* write_u64(char* out, uint64_t v);

} // namespace bench
