#pragma once
// Redis replies for unit tests, built from RESP text by hiredis' own
// reader, as they come off the socket.

#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <string>

#include "redis/redis_client.hpp"

namespace sb::test {

/// One reply parsed from RESP text.
inline reply_ptr resp(const std::string& text) {
  auto* reader = redisReaderCreate();
  redisReaderFeed(reader, text.data(), text.size());
  void* r = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &r), REDIS_OK);
  redisReaderFree(reader);
  EXPECT_NE(r, nullptr) << "incomplete RESP: " << text;
  return reply_ptr{static_cast<redisReply*>(r)};
}

inline std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

inline std::string integer(long long n) {
  return ":" + std::to_string(n) + "\r\n";
}

} // namespace sb::test
