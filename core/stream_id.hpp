#pragma once
// A Redis stream entry id `<ms>-<seq>`: parsing, ordering and formatting.
// Ids only ever increase within a stream; plugins compare them to drop
// duplicates when a replay meets live delivery.

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

struct stream_id {
  uint64_t ms = 0;
  uint64_t seq = 0;

  /// Accepts `<ms>-<seq>` and `<ms>` (meaning `<ms>-0`), digits only.
  static std::optional<stream_id> parse(std::string_view text);

  std::string str() const;

  /// The smallest id strictly greater than this one.
  stream_id next() const;

  bool zero() const { return ms == 0 && seq == 0; }

  friend bool operator==(const stream_id& a, const stream_id& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  friend bool operator!=(const stream_id& a, const stream_id& b) { return !(a == b); }
  friend bool operator<(const stream_id& a, const stream_id& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
  }
  friend bool operator>(const stream_id& a, const stream_id& b) { return b < a; }
  friend bool operator<=(const stream_id& a, const stream_id& b) { return !(b < a); }
  friend bool operator>=(const stream_id& a, const stream_id& b) { return !(a < b); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_id& x) {
  return f(caf::meta::type_name("stream_id"), x.ms, x.seq);
}

} // namespace sb
