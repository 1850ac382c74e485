#include "tests/support/server_suite.hpp"

#include <chrono>
#include <exception>
#include <utility>

namespace sb::test {

std::unique_ptr<server_process> server_suite::server_;
std::string server_suite::start_error_;
std::vector<std::string> server_suite::args_;
bool server_suite::death_reported_ = false;

void server_suite::start_server(std::vector<std::string> args) {
  args_ = std::move(args);
  start_error_.clear();
  server_.reset();
  try {
    server_ = std::make_unique<server_process>(args_);
  } catch (const std::exception& e) {
    start_error_ = e.what();
  }
}

void server_suite::stop_server() {
  server_.reset();
}

void server_suite::SetUp() {
  // A server that died in an earlier test (reported there) is replaced, so
  // one crash does not fail the rest of the suite.
  if (server_) {
    if (auto status = server_->wait_exit(std::chrono::milliseconds(0))) {
      if (!death_reported_)
        ADD_FAILURE() << "the server exited with " << *status
                      << " after the previous test ended; stderr:\n" << server_->logs_tail();
      start_server(args_);
    }
  }
  death_reported_ = false;
  ASSERT_TRUE(server_) << "the suite's server did not start: " << start_error_;
}

void server_suite::TearDown() {
  if (!server_) return;
  auto status = server_->wait_exit(std::chrono::milliseconds(0));
  death_reported_ = status.has_value();
  EXPECT_FALSE(status) << "the server exited with " << *status << " during this test; stderr:\n"
                       << server_->logs_tail();
}

} // namespace sb::test
