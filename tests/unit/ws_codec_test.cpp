#include <gtest/gtest.h>

#include "core/ws_codec.hpp"
#include "net/ws_handshake.hpp"

using namespace sb;

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

TEST(ws_handshake, computes_the_rfc_6455_accept_key) {
  EXPECT_EQ(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_FALSE(ws::check_upgrade("h:1", "13", "dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(ws::check_upgrade("h:1", "8", "dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_TRUE(ws::check_upgrade("h:1", "13", "short"));
  EXPECT_TRUE(ws::check_upgrade("", "13", "dGhlIHNhbXBsZSBub25jZQ==")); // §4.2.1: Host is required
  auto res = ws::switching_response("dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_NE(res.find("101 Switching Protocols"), std::string::npos);
  EXPECT_NE(res.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
}
