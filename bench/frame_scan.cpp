#include "bench/frame_scan.hpp"

#include <cstring>

namespace bench {

namespace {

// The value after `"key":"` (up to the closing quote), or empty.
std::string_view string_after(std::string_view s, std::string_view key) {
  auto* hit = static_cast<const char*>(memmem(s.data(), s.size(), key.data(), key.size()));
  if (!hit)
    return {};
  const char* begin = hit + key.size();
  const char* end = s.data() + s.size();
  const char* p = begin;
  while (p < end && *p != '"') {
    if (*p == '\\' && p + 1 < end)
      ++p;
    ++p;
  }
  return {begin, size_t(p - begin)};
}

uint64_t number_after(std::string_view s, std::string_view key) {
  auto* hit = static_cast<const char*>(memmem(s.data(), s.size(), key.data(), key.size()));
  if (!hit)
    return 0;
  const char* p = hit + key.size();
  const char* end = s.data() + s.size();
  if (p < end && *p == '"') // a string ref holding digits is fine too
    ++p;
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9')
    v = v * 10 + uint64_t(*p++ - '0');
  return v;
}

frame_kind event_kind(std::string_view ev) {
  if (ev == "message") return frame_kind::message;
  if (ev == "joined") return frame_kind::joined;
  if (ev == "left") return frame_kind::left;
  if (ev == "history") return frame_kind::history;
  return frame_kind::other;
}

// Skips `literal` at p, or returns null.
const char* expect(const char* p, const char* end, std::string_view literal) {
  if (size_t(end - p) < literal.size() || std::memcmp(p, literal.data(), literal.size()) != 0)
    return nullptr;
  return p + literal.size();
}

// The fast path for event frames as Switchboard (and the baseline) write
// them, {"client":"..","stream":"..","event":"..",...}: client and stream
// names hold no quotes or escapes (PROTOCOL §1), so two memchr() calls find
// the event. Returns the rest of the frame after the event name, or null.
const char* event_fast(std::string_view s, std::string_view& ev) {
  const char* end = s.data() + s.size();
  const char* p = expect(s.data(), end, R"({"client":")");
  if (p)
    p = static_cast<const char*>(std::memchr(p, '"', size_t(end - p)));
  if (p)
    p = expect(p, end, R"(","stream":")");
  if (p)
    p = static_cast<const char*>(std::memchr(p, '"', size_t(end - p)));
  if (p)
    p = expect(p, end, R"(","event":")");
  const char* q = p ? static_cast<const char*>(std::memchr(p, '"', size_t(end - p))) : nullptr;
  if (!q)
    return nullptr;
  ev = {p, size_t(q - p)};
  return q;
}

} // namespace

scanned_frame scan_frame(std::string_view payload) {
  scanned_frame out;
  out.raw = payload;
  std::string_view ev;
  if (const char* rest = event_fast(payload, ev)) {
    out.kind = event_kind(ev);
    if (out.kind == frame_kind::message) {
      std::string_view tail(rest, size_t(payload.data() + payload.size() - rest));
      out.text = string_after(tail, R"("text":")");
    }
    return out;
  }
  ev = string_after(payload, R"("event":")");
  if (!ev.empty()) {
    out.kind = event_kind(ev);
    if (out.kind == frame_kind::message)
      out.text = string_after(payload, R"("text":")");
    return out;
  }
  auto type = string_after(payload, R"("type":")");
  if (type == "ack") {
    out.kind = frame_kind::ack;
    out.ref = number_after(payload, R"("ref":)");
  } else if (type == "welcome") {
    out.kind = frame_kind::welcome;
  } else if (type == "error") {
    out.kind = frame_kind::error;
    out.code = string_after(payload, R"("code":")");
    out.ref = number_after(payload, R"("ref":)");
  }
  return out;
}

char* write_u64(char* out, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  while (n)
    *out++ = tmp[--n];
  return out;
}

size_t write_marker(char* out, size_t room, const marker& m, size_t pad_to) {
  char* p = write_u64(out, m.sent_ns);
  *p++ = ' ';
  p = write_u64(p, m.sender);
  *p++ = ' ';
  p = write_u64(p, m.seq);
  size_t n = size_t(p - out);
  if (pad_to > n) {
    size_t pad = (pad_to < room ? pad_to : room) - n;
    std::memset(p, 'x', pad);
    n += pad;
  }
  return n;
}

bool read_marker(std::string_view text, marker& m) {
  const char* p = text.data();
  const char* end = p + text.size();
  uint64_t fields[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (p >= end || *p < '0' || *p > '9')
      return false;
    while (p < end && *p >= '0' && *p <= '9')
      fields[i] = fields[i] * 10 + uint64_t(*p++ - '0');
    if (i < 2) {
      if (p >= end || *p != ' ')
        return false;
      ++p;
    }
  }
  m = {fields[0], uint32_t(fields[1]), fields[2]};
  return true;
}

} // namespace bench
