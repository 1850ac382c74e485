// The pure WebSocket reader against Autobahn|Testsuite's server sections
// 1-7, one test per section: framing (1), pings and pongs (2), reserved
// bits (3), opcodes (4), fragmentation (5), UTF-8 (6) and closing (7),
// plus masking and length encodings (§5.2). Every input is also fed in
// chops of 1, 2, 3, 5 and 7 bytes and must give the same reports: the
// reader cannot depend on how TCP cut the bytes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/ws_reader.hpp"
#include "tests/support/client_frames.hpp"

using namespace sb;
using namespace sb::test;

namespace {

constexpr uint64_t limit = 65536;

/// Records what the reader reports, one line per event.
struct recorder : ws::reader_handler {
  std::vector<std::string> events;
  void on_message(std::string payload, bool binary) override {
    events.push_back((binary ? "binary:" : "text:") + payload);
  }
  void on_ping(std::string_view p) override { events.push_back("ping:" + std::string(p)); }
  void on_pong(std::string_view p) override { events.push_back("pong:" + std::string(p)); }
  void on_close(uint16_t code, std::string_view reason) override {
    events.push_back("close:" + std::to_string(code) + ":" + std::string(reason));
  }
  void on_error(uint16_t code, const char*) override {
    events.push_back("error:" + std::to_string(code));
  }
};

std::vector<std::string> feed_in_chops(const std::string& bytes, size_t chop, uint64_t max) {
  ws::reader r{max};
  recorder rec;
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  for (size_t pos = 0; pos < bytes.size(); pos += chop)
    r.feed(data + pos, std::min(chop, bytes.size() - pos), rec);
  return rec.events;
}

/// The reports for `bytes`, checked to be the same whatever the chops.
std::vector<std::string> read_all(const std::string& bytes, uint64_t max = limit) {
  auto whole = feed_in_chops(bytes, bytes.size() ? bytes.size() : 1, max);
  for (size_t chop : {1, 2, 3, 5, 7})
    EXPECT_EQ(feed_in_chops(bytes, chop, max), whole) << "in chops of " << chop;
  return whole;
}

using events = std::vector<std::string>;

std::string text_message(const std::string& payload) {
  return "text:" + payload;
}

} // namespace

// --- 1: framing ---------------------------------------------------------------------------

TEST(ws_reader, reads_messages_at_every_length_boundary) {
  for (size_t n : {0, 1, 125, 126, 127, 128, 65535, 65536}) {
    std::string payload(n, 'a');
    EXPECT_EQ(read_all(text_frame(payload)), events{text_message(payload)}) << n;
    EXPECT_EQ(read_all(binary_frame(payload)), events{"binary:" + payload}) << n;
  }
}

TEST(ws_reader, fails_a_message_over_the_limit_with_1009_from_its_header) {
  auto frame = text_frame(std::string(limit + 1, 'a'));
  EXPECT_EQ(read_all(frame.substr(0, 14)), events{"error:1009"}); // header only
  EXPECT_EQ(read_all(frame), events{"error:1009"});
  // The limit counts the whole message, not each fragment.
  auto two = text_frame(std::string(40000, 'a'), false) + continuation_frame(std::string(40000, 'b'), true);
  EXPECT_EQ(read_all(two), events{"error:1009"});
}

TEST(ws_reader, reads_several_messages_from_one_buffer_in_order) {
  EXPECT_EQ(read_all(text_frame("one") + binary_frame("two") + text_frame("three")),
            (events{"text:one", "binary:two", "text:three"}));
}

TEST(ws_reader, does_not_reserve_what_a_header_only_claims) {
  // A limit of 1 TiB and a header claiming 512 GiB: the reader must not try
  // to allocate it up front (that would throw or exhaust memory).
  auto header = client_frame(op::fin | op::binary, "", declaring(uint64_t{1} << 39));
  EXPECT_EQ(read_all(header + "abcd", uint64_t{1} << 40), events{});
}

// --- 2: pings and pongs ---------------------------------------------------------------------

TEST(ws_reader, reports_pings_and_pongs_with_their_payload) {
  EXPECT_EQ(read_all(ping_frame()), events{"ping:"});
  EXPECT_EQ(read_all(ping_frame("hello")), events{"ping:hello"});
  std::string binary_payload("\x00\xff\xfe\xfd\xfc\xfb\x00\xff", 8);
  EXPECT_EQ(read_all(ping_frame(binary_payload)), events{"ping:" + binary_payload});
  std::string max(125, 'p');
  EXPECT_EQ(read_all(ping_frame(max)), events{"ping:" + max});
  EXPECT_EQ(read_all(pong_frame("unsolicited")), events{"pong:unsolicited"});
  std::string pings;
  for (int i = 0; i < 10; ++i)
    pings += ping_frame("p" + std::to_string(i));
  EXPECT_EQ(read_all(pings).size(), 10u);
}

TEST(ws_reader, fails_a_control_frame_over_125_bytes_with_1002) {
  EXPECT_EQ(read_all(ping_frame(std::string(126, 'p'))), events{"error:1002"});
  EXPECT_EQ(read_all(pong_frame(std::string(126, 'p'))), events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::fin | op::close, close_body(1000, std::string(124, 'r')))),
            events{"error:1002"});
}

// --- 3: reserved bits -----------------------------------------------------------------------

TEST(ws_reader, fails_any_reserved_bit_with_1002_after_what_came_before) {
  for (uint8_t rsv : {0x40, 0x20, 0x10, 0x70})
    for (uint8_t opcode : {op::text, op::binary, op::ping, op::pong, op::close}) {
      auto bad = client_frame(op::fin | rsv | opcode, opcode == op::close ? close_body(1000) : "x");
      EXPECT_EQ(read_all(text_frame("before") + bad + ping_frame("after")),
                (events{"text:before", "error:1002"}))
        << int(rsv) << " " << int(opcode);
    }
}

// --- 4: opcodes -----------------------------------------------------------------------------

TEST(ws_reader, fails_reserved_opcodes_with_1002) {
  for (uint8_t opcode : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    EXPECT_EQ(read_all(client_frame(op::fin | opcode, "")), events{"error:1002"}) << int(opcode);
    EXPECT_EQ(read_all(text_frame("hi") + client_frame(op::fin | opcode, "payload") + ping_frame()),
              (events{"text:hi", "error:1002"}))
      << int(opcode);
  }
}

// --- 5: fragmentation -------------------------------------------------------------------------

TEST(ws_reader, assembles_fragments_with_control_frames_between_them) {
  EXPECT_EQ(read_all(text_frame("frag", false) + continuation_frame("ment", true)),
            events{"text:fragment"});
  EXPECT_EQ(read_all(binary_frame("ab", false) + ping_frame("p") + continuation_frame("cd", false)
                     + pong_frame() + continuation_frame("ef", true)),
            (events{"ping:p", "pong:", "binary:abcdef"}));
  // Empty fragments, and one byte per fragment.
  EXPECT_EQ(read_all(text_frame("", false) + continuation_frame("", false)
                     + continuation_frame("", true)),
            events{"text:"});
  std::string bytes = text_frame("h", false);
  for (char c : std::string("ello world"))
    bytes += continuation_frame(std::string(1, c), false);
  bytes += continuation_frame("", true);
  EXPECT_EQ(read_all(bytes), events{"text:hello world"});
}

TEST(ws_reader, fails_fragmented_control_frames_with_1002) {
  EXPECT_EQ(read_all(client_frame(op::ping, "fr") + continuation_frame("ag", true)),
            events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::pong, "fr") + continuation_frame("ag", true)),
            events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::close, close_body(1000))), events{"error:1002"});
}

TEST(ws_reader, fails_a_continuation_with_no_message_with_1002) {
  EXPECT_EQ(read_all(continuation_frame("x", true)), events{"error:1002"});
  EXPECT_EQ(read_all(continuation_frame("x", false) + text_frame("y")), events{"error:1002"});
  // Autobahn 5.15: a whole fragmented message, then a stray continuation:
  // the message is still reported, before the error.
  EXPECT_EQ(read_all(text_frame("frag", false) + continuation_frame("ment", true)
                     + continuation_frame("stray", false) + text_frame("after")),
            (events{"text:fragment", "error:1002"}));
}

TEST(ws_reader, fails_a_new_message_inside_a_fragmented_one_with_1002) {
  EXPECT_EQ(read_all(text_frame("a", false) + text_frame("b")), events{"error:1002"});
  EXPECT_EQ(read_all(text_frame("a", false) + binary_frame("b", false)), events{"error:1002"});
  EXPECT_EQ(read_all(binary_frame("a", false) + ping_frame() + text_frame("b")),
            (events{"ping:", "error:1002"}));
}

// --- 6: UTF-8 -----------------------------------------------------------------------------

TEST(ws_reader, accepts_valid_utf8_split_anywhere_across_fragments) {
  const std::string text = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 \xf0\x9f\x98\x80 \xef\xbf\xbf";
  for (size_t cut = 0; cut <= text.size(); ++cut)
    EXPECT_EQ(read_all(text_frame(text.substr(0, cut), false)
                       + continuation_frame(text.substr(cut), true)),
              events{text_message(text)})
      << cut;
  for (const char* edge : {"\x00", "\x7f", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",
                           "\xee\x80\x80", "\xef\xbf\xbd", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"}) {
    std::string s = *edge ? edge : std::string(1, '\0');
    EXPECT_EQ(read_all(text_frame(s)), events{text_message(s)});
  }
}

TEST(ws_reader, fails_invalid_utf8_with_1007) {
  for (const char* bad : {
         "\x80",                 // lone continuation byte
         "\xbf",
         "\xc0\xaf",             // overlong '/'
         "\xc1\xbf",
         "\xe0\x80\xaf",         // overlong 3-byte
         "\xe0\x9f\xbf",
         "\xf0\x80\x80\xaf",     // overlong 4-byte
         "\xf0\x8f\xbf\xbf",
         "\xed\xa0\x80",         // UTF-16 surrogates
         "\xed\xbf\xbf",
         "\xf4\x90\x80\x80",     // past U+10FFFF
         "\xf5\x80\x80\x80",
         "\xfe", "\xff",
         "\xc2",                 // cut off by the end of the message
         "\xe1\x80",
         "\xf0\x9f\x98",
         "\xc2\x41",             // a missing continuation byte
         "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited",
       }) {
    EXPECT_EQ(read_all(text_frame(bad)), events{"error:1007"}) << bad;
    EXPECT_EQ(read_all(text_frame("ok", false) + continuation_frame(bad, true)),
              events{"error:1007"})
      << bad;
  }
  // Binary messages are not text: anything goes.
  EXPECT_EQ(read_all(binary_frame("\xff\xfe")), events{"binary:\xff\xfe"});
}

TEST(ws_reader, fails_invalid_utf8_as_soon_as_the_bad_byte_arrives) {
  // Autobahn 6.4.1: valid, then a fragment with U+110000 encoded, then the
  // rest. The error comes before the third fragment is sent.
  ws::reader r{limit};
  recorder rec;
  auto feed = [&](const std::string& s) {
    r.feed(reinterpret_cast<const uint8_t*>(s.data()), s.size(), rec);
  };
  feed(text_frame("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", false));
  EXPECT_EQ(rec.events, events{});
  feed(continuation_frame("\xf4\x90\x80\x80", false));
  EXPECT_EQ(rec.events, events{"error:1007"});
  // Autobahn 6.4.3: one frame, its payload in pieces: the error comes with
  // the piece that holds the bad byte, not at the end of the frame.
  ws::reader one{limit};
  recorder rec2;
  auto frame = text_frame("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64");
  auto cut = frame.size() - 8; // up to the bad sequence's second byte
  one.feed(reinterpret_cast<const uint8_t*>(frame.data()), cut, rec2);
  EXPECT_EQ(rec2.events, events{"error:1007"});
}

// --- 7: closing ---------------------------------------------------------------------------

TEST(ws_reader, reports_a_close_and_reads_nothing_after_it) {
  EXPECT_EQ(read_all(client_frame(op::fin | op::close, "")), events{"close:1005:"});
  EXPECT_EQ(read_all(close_frame(1000)), events{"close:1000:"});
  EXPECT_EQ(read_all(close_frame(1001, "going away")), events{"close:1001:going away"});
  std::string reason(123, 'r');
  EXPECT_EQ(read_all(close_frame(1000, reason)), events{"close:1000:" + reason});
  // Data, pings and another Close after it are not read.
  auto bytes = text_frame("before") + close_frame(1000) + text_frame("after") + ping_frame()
               + close_frame(1001);
  EXPECT_EQ(read_all(bytes), (events{"text:before", "close:1000:"}));
  ws::reader r{limit};
  recorder rec;
  auto used = r.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), rec);
  EXPECT_EQ(used, text_frame("before").size() + close_frame(1000).size());
  EXPECT_TRUE(r.finished());
  EXPECT_EQ(r.feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), rec), 0u);
}

TEST(ws_reader, accepts_the_close_codes_a_peer_may_send) {
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                        3000, 3999, 4000, 4999})
    EXPECT_EQ(read_all(close_frame(code)), events{"close:" + std::to_string(code) + ":"}) << code;
}

TEST(ws_reader, fails_invalid_close_codes_with_1002) {
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    EXPECT_EQ(read_all(close_frame(code)), events{"error:1002"}) << code;
  EXPECT_EQ(read_all(client_frame(op::fin | op::close, std::string(1, '\x03'))),
            events{"error:1002"}); // a 1-byte body
}

TEST(ws_reader, fails_a_close_reason_that_is_not_utf8_with_1007) {
  EXPECT_EQ(read_all(close_frame(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")),
            events{"error:1007"});
}

// --- masking and lengths (§5.2) --------------------------------------------------------------

TEST(ws_reader, fails_unmasked_client_frames_with_1002) {
  EXPECT_EQ(read_all(client_frame(op::fin | op::text, "hi", unmasked())), events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::fin | op::ping, "", unmasked())), events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::fin | op::close, close_body(1000), unmasked())),
            events{"error:1002"});
}

TEST(ws_reader, fails_lengths_that_are_not_minimally_encoded_with_1002) {
  EXPECT_EQ(read_all(client_frame(op::fin | op::text, "short", length_bytes(2))), events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::fin | op::text, std::string(300, 'a'), length_bytes(8))),
            events{"error:1002"});
  EXPECT_EQ(read_all(client_frame(op::fin | op::text, std::string(126, 'a'), length_bytes(2))),
            events{"text:" + std::string(126, 'a')});
}

TEST(ws_reader, fails_a_64_bit_length_with_the_top_bit_set_at_once) {
  // The header alone decides: nothing after it is read as payload.
  auto top_bit = client_frame(op::fin | op::binary, "", declaring(uint64_t{1} << 63));
  EXPECT_EQ(read_all(top_bit + close_frame(1000)), events{"error:1002"});
  auto tebibyte = client_frame(op::fin | op::binary, "", declaring(uint64_t{1} << 40));
  EXPECT_EQ(read_all(tebibyte + close_frame(1000)), events{"error:1009"});
}
