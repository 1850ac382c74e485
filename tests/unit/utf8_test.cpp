#include <gtest/gtest.h>

#include <string>

#include "core/utf8.hpp"

using namespace sb;

TEST(utf8, validates_whole_texts) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii, long enough for the eight-byte fast path"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc3"));             // truncated
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));         // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));     // surrogate
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("0123456789abcdef\x80")); // after the fast path
}

TEST(utf8, keeps_its_state_across_pieces) {
  const std::string text = "a\xf0\x9f\x98\x80z\xe2\x82\xac";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    utf8_validator v;
    EXPECT_TRUE(v.feed(text.substr(0, cut))) << cut;
    EXPECT_TRUE(v.feed(text.substr(cut))) << cut;
    EXPECT_TRUE(v.complete()) << cut;
  }
  utf8_validator v;
  EXPECT_TRUE(v.feed("\xe2\x82"));
  EXPECT_FALSE(v.complete()); // a sequence is open
  EXPECT_FALSE(v.feed("A"));  // and 'A' cannot continue it
  EXPECT_FALSE(v.feed("ok")); // failed stays failed
  v.reset();
  EXPECT_TRUE(v.feed("ok"));
  EXPECT_TRUE(v.complete());
}
