// Command-line and INI configuration: invalid values stop the server with
// exit code 2 and a one-line error; --help exits 0; an INI file is applied.

#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

// A temporary INI file, removed at scope exit.
class ini_file {
public:
  explicit ini_file(const std::string& content) {
    char name[] = "/tmp/switchboard-test-XXXXXX.ini";
    int fd = ::mkstemps(name, 4);
    if (fd < 0) throw std::runtime_error("mkstemps failed");
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~ini_file() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// Runs the server with exactly `args` until it exits; checks exit 2 and one
// line on stderr that mentions `mention`.
void expect_rejected(const std::vector<std::string>& args, const std::string& mention) {
  server_process server(args, server_process::mode::raw);
  auto status = server.wait_exit(10s);
  ASSERT_TRUE(status) << "server accepted the configuration; stderr:\n" << server.logs_tail();
  EXPECT_EQ(*status, 2) << server.logs_tail();
  auto err = server.logs();
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r'))
    err.pop_back();
  EXPECT_FALSE(err.empty()) << "no error message";
  EXPECT_EQ(err.find('\n'), std::string::npos) << "not one line:\n" << err;
  EXPECT_NE(err.find(mention), std::string::npos) << "does not mention " << mention << ": " << err;
}

struct bad_value {
  const char* label;
  const char* arg;
  const char* mention;
};

void PrintTo(const bad_value& b, std::ostream* os) {
  *os << b.arg;
}

class config_test : public ::testing::TestWithParam<bad_value> {
protected:
  void SetUp() override { SB_SKIP_IN_REDIS_MODE(); }
};

TEST_P(config_test, BadValueExitsTwoWithOneLineError) {
  const auto& bad = GetParam();
  std::vector<std::string> args{"--http.host=127.0.0.1"};
  // A spare port in case the value is wrongly accepted (the port cases override it).
  if (std::string(bad.arg).rfind("--http.port", 0) != 0)
    args.push_back("--http.port=" + std::to_string(server_process::free_port()));
  args.push_back(bad.arg);
  expect_rejected(args, bad.mention);
}

INSTANTIATE_TEST_SUITE_P(
  Values, config_test,
  ::testing::Values(bad_value{"PortZero", "--http.port=0", "port"},
                    bad_value{"PortTooLarge", "--http.port=70000", "port"},
                    bad_value{"NegativeQueueSize", "--limits.queue-size=-1", "queue-size"},
                    bad_value{"NegativeFrameSize", "--limits.frame-size=-1", "frame-size"},
                    bad_value{"NegativeBurst", "--limits.commands-burst=-5", "commands-burst"},
                    bad_value{"NegativeHistory", "--chat.history=-1", "history"},
                    bad_value{"UnknownBroker", "--broker=kafka", "broker"},
                    bad_value{"HostNotAnAddress", "--http.host=localhost", "http.host"},
                    bad_value{"UnknownLogFormat", "--log.format=xml", "log.format"}),
  [](const auto& info) { return std::string(info.param.label); });

TEST(config_file_test, MalformedIniValueExitsTwoWithOneLineError) {
  SB_SKIP_IN_REDIS_MODE();
  ini_file ini("[http]\nport=\"abc\"\n");
  expect_rejected({"--config-file=" + ini.path()}, "port");
}

TEST(config_file_test, IniValuesAreApplied) {
  SB_SKIP_IN_REDIS_MODE();
  ini_file ini("[limits]\nframe-size=1000\n");
  server_process server({"--config-file=" + ini.path()});
  auto stream = test_stream();
  ws_client ws(server.port(), ws_client::target(json::array({chat_spec(stream)})));
  ws.read_n(3);  // welcome, history, joined
  ws.send_json(send_command(stream, std::string(2000, 'a'), "r1"));
  EXPECT_EQ(ws.expect_close().code, 1009) << "the INI frame-size of 1000 was not applied";
}

TEST(config_help_test, HelpExitsZero) {
  SB_SKIP_IN_REDIS_MODE();
  server_process server({"--help"}, server_process::mode::raw);
  auto status = server.wait_exit(10s);
  ASSERT_TRUE(status) << "--help did not exit";
  EXPECT_EQ(*status, 0) << server.logs_tail();
  EXPECT_FALSE((server.out() + server.logs()).empty());
}

TEST(config_help_test, LongHelpListsTheServerOptions) {
  SB_SKIP_IN_REDIS_MODE();
  // --long-help, CAF's old spelling, is kept as --help.
  server_process server({"--long-help"}, server_process::mode::raw);
  auto status = server.wait_exit(10s);
  ASSERT_TRUE(status) << "--long-help did not exit";
  EXPECT_EQ(*status, 0) << server.logs_tail();
  auto text = server.out() + server.logs();
  for (const auto* option : {"--http.port", "--limits.queue-size", "--chat.history"})
    EXPECT_NE(text.find(option), std::string::npos) << option << " missing from:\n" << text;
}

} // namespace
} // namespace sb::test
