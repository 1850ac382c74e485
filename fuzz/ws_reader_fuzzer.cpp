// Fuzzes the WebSocket reader (net/ws_reader) with the bytes a client puts
// on the wire after the upgrade. Input: one byte choosing the message size
// limit, one byte choosing how the rest is cut into reads, then the bytes.
// Checked beyond "no crash, no leak": the reports do not depend on how the
// bytes were cut (TCP cuts them anywhere), text is valid UTF-8, no message
// is over the limit, a Close carries a code a peer may send, and nothing is
// reported after a Close or an error.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/check.hpp"
#include "core/utf8.hpp"
#include "net/ws_reader.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

constexpr uint64_t limits[] = {1, 125, 126, 1024, 65536};

struct recorder : ws::reader_handler {
  explicit recorder(uint64_t limit) : limit(limit) {}

  void on_message(std::string payload, bool binary) override {
    check(!done);
    check(payload.size() <= limit);
    check(binary || valid_utf8(payload));
    events.push_back((binary ? "b:" : "t:") + payload);
  }
  void on_ping(std::string_view p) override {
    check(!done && p.size() <= 125);
    events.push_back("ping:" + std::string(p));
  }
  void on_pong(std::string_view p) override {
    check(!done && p.size() <= 125);
    events.push_back("pong:" + std::string(p));
  }
  void on_close(uint16_t code, std::string_view reason) override {
    check(!done);
    check(code == 1005 || ws::valid_close_code(code));
    check(valid_utf8(reason));
    done = true;
    events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
  void on_error(uint16_t code, const char*) override {
    check(!done);
    check(code == 1002 || code == 1007 || code == 1009);
    done = true;
    events.push_back("error:" + std::to_string(code));
  }

  uint64_t limit;
  bool done = false;
  std::vector<std::string> events;
};

std::vector<std::string> read_in_chops(const uint8_t* data, size_t size, size_t chop,
                                       uint64_t limit) {
  ws::reader r{limit};
  recorder rec{limit};
  for (size_t pos = 0; pos < size && !r.finished(); pos += chop) {
    size_t n = std::min(chop, size - pos);
    size_t used = r.feed(data + pos, n, rec);
    check(used <= n);
    check(used == n || r.finished());
  }
  check(r.finished() == rec.done);
  return rec.events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2)
    return 0;
  uint64_t limit = limits[data[0] % (sizeof(limits) / sizeof(limits[0]))];
  size_t chop = data[1] % 16 + 1;
  data += 2;
  size -= 2;
  auto whole = read_in_chops(data, size, size ? size : 1, limit);
  auto chopped = read_in_chops(data, size, chop, limit);
  check(whole == chopped);
  return 0;
}
