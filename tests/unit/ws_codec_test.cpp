#include <gtest/gtest.h>

#include "net/ws_codec.hpp"
#include "net/ws_handshake.hpp"

using namespace sb;

namespace {

/// A masked client frame, as a browser sends it.
std::string client_frame(uint8_t first, std::string_view payload, uint8_t len_override = 0) {
  std::string out;
  out.push_back(static_cast<char>(first));
  auto n = payload.size();
  if (len_override) {
    out.push_back(static_cast<char>(0x80 | len_override));
  } else if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  }
  const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
  out.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return out;
}

ws::parse_result parse(std::string& bytes, ws::frame& f, size_t max = 65536) {
  return ws::parse(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size(), max, f);
}

} // namespace

TEST(ws_codec, encodes_the_three_length_forms) {
  EXPECT_EQ(ws::encode(ws::op_text, "hi"), std::string("\x81\x02hi", 4));
  auto mid = ws::encode(ws::op_text, std::string(300, 'a'));
  EXPECT_EQ(mid.size(), 304u);
  EXPECT_EQ(static_cast<uint8_t>(mid[1]), 126);
  EXPECT_EQ((static_cast<uint8_t>(mid[2]) << 8) | static_cast<uint8_t>(mid[3]), 300);
  auto big = ws::encode(ws::op_binary, std::string(70000, 'a'));
  EXPECT_EQ(big.size(), 70010u);
  EXPECT_EQ(static_cast<uint8_t>(big[0]), 0x82);
  EXPECT_EQ(static_cast<uint8_t>(big[1]), 127);
  EXPECT_EQ(ws::header_size(125), 2u);
  EXPECT_EQ(ws::header_size(126), 4u);
  EXPECT_EQ(ws::header_size(65536), 10u);
}

TEST(ws_codec, close_frames_carry_code_and_a_cut_reason) {
  auto f = ws::encode_close(4008, "Slow consumer");
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x88);
  EXPECT_EQ(static_cast<uint8_t>(f[2]), 4008 >> 8);
  EXPECT_EQ(static_cast<uint8_t>(f[3]), 4008 & 0xFF);
  EXPECT_EQ(f.substr(4), "Slow consumer");
  EXPECT_LE(ws::encode_close(1000, std::string(300, 'x')).size(), 2u + 125u);
}

TEST(ws_codec, parses_and_unmasks_a_client_frame) {
  auto bytes = client_frame(0x81, "hello") + "trailing";
  ws::frame f;
  auto r = parse(bytes, f);
  ASSERT_EQ(r.status, ws::parse_status::ok);
  EXPECT_EQ(f.op, ws::op_text);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.payload, "hello");
  EXPECT_EQ(r.consumed, 2u + 4u + 5u);
}

TEST(ws_codec, waits_for_a_whole_frame) {
  auto bytes = client_frame(0x81, std::string(300, 'z'));
  for (size_t cut : {size_t{1}, size_t{3}, size_t{7}, bytes.size() - 1}) {
    auto part = bytes.substr(0, cut);
    ws::frame f;
    EXPECT_EQ(parse(part, f).status, ws::parse_status::need_more) << cut;
  }
}

TEST(ws_codec, rejects_unmasked_reserved_and_bad_control_frames) {
  ws::frame f;
  std::string unmasked = "\x81\x02hi";
  EXPECT_EQ(parse(unmasked, f).status, ws::parse_status::bad);
  auto rsv = client_frame(0xC1, "x");
  EXPECT_EQ(parse(rsv, f).status, ws::parse_status::bad);
  auto fragmented_ping = client_frame(0x09, "x");
  EXPECT_EQ(parse(fragmented_ping, f).status, ws::parse_status::bad);
  auto long_ping = client_frame(0x89, std::string(126, 'p'));
  EXPECT_EQ(parse(long_ping, f).status, ws::parse_status::bad);
  auto opcode3 = client_frame(0x83, "x");
  EXPECT_EQ(parse(opcode3, f).status, ws::parse_status::bad);
}

TEST(ws_codec, reports_a_payload_over_the_limit_from_its_header) {
  auto bytes = client_frame(0x81, std::string(200, 'a')).substr(0, 8); // header only
  ws::frame f;
  auto r = parse(bytes, f, 100);
  ASSERT_EQ(r.status, ws::parse_status::too_big);
  EXPECT_EQ(r.consumed, 8u);
  EXPECT_EQ(r.skip, 200u);
}

TEST(ws_codec, validates_utf8) {
  EXPECT_TRUE(ws::valid_utf8("plain"));
  EXPECT_TRUE(ws::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(ws::valid_utf8("\xc3"));            // truncated
  EXPECT_FALSE(ws::valid_utf8("\xc0\xaf"));        // overlong
  EXPECT_FALSE(ws::valid_utf8("\xed\xa0\x80"));    // surrogate
  EXPECT_FALSE(ws::valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
  EXPECT_FALSE(ws::valid_utf8("\xff"));
}

TEST(ws_handshake, computes_the_rfc_6455_accept_key) {
  EXPECT_EQ(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_FALSE(ws::check_upgrade("13", "dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(ws::check_upgrade("8", "dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(ws::check_upgrade("13", "short"));
  auto res = ws::switching_response("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_NE(res.find("101 Switching Protocols"), std::string::npos);
  EXPECT_NE(res.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
}
