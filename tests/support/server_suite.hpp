#pragma once
// A GoogleTest fixture base: one switchboard process shared by every test of
// a suite (started in SetUpTestSuite), checked to be alive after each test.

#include "tests/support/server_process.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sb::test {

class server_suite : public ::testing::Test {
protected:
  /// Call from the derived suite's SetUpTestSuite / TearDownTestSuite.
  static void start_server(std::vector<std::string> args);
  static void stop_server();

  void SetUp() override;
  void TearDown() override;

  static server_process& server() { return *server_; }
  static uint16_t port() { return server_->port(); }

private:
  static std::unique_ptr<server_process> server_;
  static std::string start_error_;
  static std::vector<std::string> args_;
  static bool death_reported_;
};

} // namespace sb::test
