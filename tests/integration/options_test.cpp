// What an operator meets, through the real binary: flags > environment >
// INI > defaults, secret files, stray arguments and INI errors with
// file:line, --help and --version, check-config, print-config and
// --dump-config with masked secrets, `switchboard token`, the web root
// found next to the binary, caf-application.ini ignored, and JSON logs.

#include "net/auth.hpp"
#include "config/option_table.hpp"
#include "tests/support/broker_mode.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/jwt_maker.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <sstream>
#include <string>
#include <vector>

namespace sb::test {
namespace {

using namespace std::chrono_literals;

struct run_result {
  int status = -1;
  std::string out;
  std::string err;
};

child_options env_of(std::vector<std::string> vars) {
  child_options o;
  o.env = std::move(vars);
  return o;
}

child_options in_dir(std::string dir) {
  child_options o;
  o.cwd = std::move(dir);
  return o;
}

/// Runs the binary with exactly `args` until it exits.
run_result run(const std::vector<std::string>& args, const child_options& opts = {}) {
  server_process p(args, server_process::mode::raw, 15s, opts);
  auto status = p.wait_exit(15s);
  return {status.value_or(-1), p.out(), p.logs()};
}

std::string one_line(std::string text) {
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text;
}

json chat_clients() {
  return json::array({chat_spec(test_stream())});
}

class options_test : public ::testing::Test {
protected:
  void SetUp() override { SB_SKIP_IN_REDIS_MODE(); }
  key_folder files_;
};

TEST_F(options_test, FlagsBeatEnvironmentWhichBeatsTheIniFile) {
  auto ini = files_.write("a.ini", "[http]\nport = 1111\n[limits]\nframe-size = 100000\n"
                                   "[chat]\nhistory = 5\n");
  auto env = env_of({"SWITCHBOARD_HTTP_PORT=2222", "SWITCHBOARD_CHAT_HISTORY=6",
                     "SWITCHBOARD_LIMITS_FRAME_SIZE=1000"});
  auto printed = run({"print-config", "--config-file=" + ini, "--chat.history=7"}, env);
  ASSERT_EQ(printed.status, 0) << printed.err;
  EXPECT_NE(printed.out.find("history = 7  ; --chat.history"), std::string::npos) << printed.out;
  EXPECT_NE(printed.out.find("port = 2222  ; SWITCHBOARD_HTTP_PORT"), std::string::npos);
  EXPECT_NE(printed.out.find("ws-path = \"/ws\"  ; default"), std::string::npos);
  // The same in a running server: the environment's frame-size wins over
  // the INI file's, and the --http.port flag over SWITCHBOARD_HTTP_PORT=0
  // (an invalid port that would stop the server).
  env.env.push_back("SWITCHBOARD_HTTP_PORT=0");
  server_process server({"--config-file=" + ini}, server_process::mode::listening, 15s, env);
  ws_client ws(server.port(), ws_client::target(chat_clients()));
  ws.read_n(2); // welcome, history
  ws.send_text(std::string(2000, 'a'));
  EXPECT_EQ(ws.expect_close().code, 1009) << "SWITCHBOARD_LIMITS_FRAME_SIZE was not applied";
}

TEST_F(options_test, SecretsComeFromFiles) {
  auto secret = files_.write("auth-secret", "from-a-file\n");
  auto key = files_.write("api-key", "backend-key\n");
  server_process server({"--auth.secret-file=" + secret},
                        server_process::mode::listening, 15s,
                        env_of({"SWITCHBOARD_API_KEY_FILE=" + key}));
  auto claims = json{{"sub", "u1"}, {"exp", 4'000'000'000}, {"streams", {"*"}}};
  ws_client ws(server.port(), ws_client::target(chat_clients(),
                                                {{"token", sign_token(claims.dump(), "from-a-file")}}));
  EXPECT_EQ(ws.read_json().value("type", ""), "welcome");
  ws_client forged(server.port(), ws_client::target(chat_clients(),
                                                    {{"token", sign_token(claims.dump(), "x")}}));
  EXPECT_EQ(forged.expect_close().code, 4401);
  auto target = "/api/presence?stream=" + test_stream();
  EXPECT_EQ(http_get(server.port(), target, {{"Authorization", "Bearer backend-key"}}).status, 200u);
  EXPECT_EQ(http_get(server.port(), target, {{"Authorization", "Bearer nope"}}).status, 401u);
}

TEST_F(options_test, SecretFileErrorsStopStartUp) {
  auto secret = files_.write("auth-secret", "s\n");
  auto both = run({"--auth.secret=a", "--auth.secret-file=" + secret});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;
  auto missing = run({"--api.key-file=/nonexistent/key"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("api.key-file: cannot read /nonexistent/key"), std::string::npos)
    << missing.err;
  auto empty = run({"--auth.secret-file=" + files_.write("empty", "\n")});
  EXPECT_EQ(empty.status, 2) << "an empty secret would turn auth off";
}

TEST_F(options_test, StrayArgumentsAndUnknownOptionsAreErrors) {
  auto stray = run({"http.port=9000"});
  EXPECT_EQ(stray.status, 2);
  EXPECT_EQ(one_line(stray.err),
            "switchboard: unexpected argument 'http.port=9000' (options are written "
            "--http.port=9000); switchboard --help lists the commands and options");
  auto unknown = run({"--http.prot=9000"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("did you mean --http.port?"), std::string::npos) << unknown.err;
}

TEST_F(options_test, IniErrorsNameTheFileAndLine) {
  auto ini = files_.write("switchboard.ini", "; comment\n[auth]\n\nsecret = abc\n");
  auto r = run({"--config-file=" + ini});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(one_line(r.err),
            "switchboard: " + ini + ":4: expected a quoted string for auth.secret");
  auto range = run({"--config-file=" + files_.write("b.ini", "[http]\nport = 0\n")});
  EXPECT_EQ(one_line(range.err),
            "switchboard: " + files_.path() + "/b.ini:2: http.port must be in 1..65535, got 0");
}

TEST_F(options_test, VersionNamesTheLibraries) {
  auto r = run({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("switchboard 0.", 0), 0u) << r.out;
  for (auto lib : {"\nCAF 0.17", "\nBoost 1.", "\nhiredis ", "\nOpenSSL ", "\nlibjwt "})
    EXPECT_NE(r.out.find(lib), std::string::npos) << lib << " missing from\n" << r.out;
  EXPECT_EQ(run({"version"}).out, r.out);
}

TEST_F(options_test, HelpListsEveryOptionWithItsDefaultAndNoCafInternals) {
  auto r = run({"--help"});
  EXPECT_EQ(r.status, 0);
  for (auto& o : option_table()) {
    // A wildcard option shows its name as NAME: --plugins.NAME.relay.
    std::string key{o.key};
    if (auto star = key.find('*'); star != std::string::npos)
      key.replace(star, 1, "NAME");
    EXPECT_NE(r.out.find("--" + key + "="), std::string::npos) << o.key;
  }
  for (auto word : {"[http]", "[auth]", "SWITCHBOARD_HTTP_PORT", "check-config", "print-config"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  EXPECT_EQ(r.out.find("caf."), std::string::npos) << "CAF internals in --help";
  EXPECT_EQ(r.out.find("middleman"), std::string::npos);
}

TEST_F(options_test, CheckConfigExitsZeroOrTwo) {
  auto good = run({"check-config", "--config-file", SWITCHBOARD_SOURCE_DIR "/config/switchboard.ini"});
  EXPECT_EQ(good.status, 0) << good.err;
  EXPECT_NE(good.out.find("configuration OK"), std::string::npos) << good.out;
  auto bad = run({"check-config", "--config-file",
                  files_.write("bad.ini", "[limits]\nqueue-size = -1\n")});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("bad.ini:2: limits.queue-size"), std::string::npos) << bad.err;
  auto key = run({"check-config", "--auth.public-key=" + files_.write("k.pub", "junk")});
  EXPECT_EQ(key.status, 2);
  EXPECT_NE(key.err.find("no PEM public key"), std::string::npos) << key.err;
}

TEST_F(options_test, BothPrintersMaskSecrets) {
  auto ini = files_.write("s.ini", "[api]\nkey = \"ini-key-secret\"\n");
  auto env = env_of({"SWITCHBOARD_REDIS_URL=redis://:redis-password@127.0.0.1:6379"});
  for (auto cmd : {"print-config", "--dump-config"}) {
    auto r = run({cmd, "--config-file=" + ini, "--auth.secret=flag-secret"}, env);
    EXPECT_EQ(r.status, 0) << r.err;
    for (auto secret : {"ini-key-secret", "flag-secret", "redis-password"})
      EXPECT_EQ(r.out.find(secret), std::string::npos) << cmd << " prints " << secret;
    EXPECT_NE(r.out.find("secret = \"****\"  ; --auth.secret"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("key = \"****\"  ; " + ini + ":2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("redis://:****@127.0.0.1:6379"), std::string::npos) << r.out;
  }
}

TEST_F(options_test, TokenCommandMintsATokenTheServerAccepts) {
  auto r = run({"token", "--sub", "u42", "--name", "Ada", "--streams", "room:*", "--ttl", "1h"},
               env_of({"SWITCHBOARD_AUTH_SECRET=minted"}));
  ASSERT_EQ(r.status, 0) << r.err;
  auto tok = one_line(r.out);
  server_process server({"--auth.secret=minted"});
  ws_client ws(server.port(), ws_client::target(json::array({chat_spec("room:1")}),
                                                {{"token", tok}}));
  auto welcome = ws.read_json();
  EXPECT_EQ(welcome["user"], json({{"id", "u42"}, {"name", "Ada"}})) << welcome;
  EXPECT_EQ(welcome["clients"].size(), 1u);
  auto no_secret = run({"token", "--sub", "u42"});
  EXPECT_EQ(no_secret.status, 2);
  EXPECT_NE(no_secret.err.find("needs auth.secret"), std::string::npos);
}

TEST_F(options_test, WebRootIsFoundNextToTheBinaryFromAnyDirectory) {
  server_process server({}, server_process::mode::listening, 15s, in_dir("/"));
  EXPECT_EQ(http_get(server.port(), "/").status, 200u) << server.logs_tail();
  EXPECT_EQ(http_get(server.port(), "/switchboard.js").status, 200u);
}

TEST_F(options_test, MissingWebRootWarnsAndEmptyTurnsStaticFilesOff) {
  server_process missing({"--http.web-root=/nonexistent/web"});
  EXPECT_NE(missing.logs().find("WARN  main: http.web-root /nonexistent/web (from "
                                "--http.web-root) does not exist"),
            std::string::npos)
    << missing.logs_tail();
  server_process off({"--http.web-root="});
  EXPECT_EQ(http_get(off.port(), "/").status, 404u);
  EXPECT_EQ(http_get(off.port(), "/switchboard.js").status, 404u);
  EXPECT_EQ(off.logs().find("does not exist"), std::string::npos) << "off is not a problem";
  EXPECT_NE(off.logs().find("web-root=(off)"), std::string::npos) << off.logs_tail();
}

TEST_F(options_test, CafApplicationIniIsNotRead) {
  files_.write("caf-application.ini", "[http]\nport = \"not read\"\nthis is not INI\n");
  server_process server({}, server_process::mode::listening, 15s, in_dir(files_.path()));
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200u);
}

TEST_F(options_test, UnknownEnvironmentVariablesAreWarnedAbout) {
  server_process server({}, server_process::mode::listening, 15s,
                        env_of({"SWITCHBOARD_HTTP_PROT=9000"}));
  EXPECT_NE(server.logs().find("ignoring the environment variable SWITCHBOARD_HTTP_PROT"),
            std::string::npos)
    << server.logs_tail();
}

// Type=notify: systemd learns from a datagram on $NOTIFY_SOCKET that the
// server listens, and that it stops.
TEST_F(options_test, TellsSystemdWhenReadyAndStopping) {
  auto path = files_.path() + "/notify";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  auto next = [fd] {
    char buf[256];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
  };
  server_process server({}, server_process::mode::listening, 15s,
                        env_of({"NOTIFY_SOCKET=" + path}));
  EXPECT_EQ(next(), "READY=1");
  server.signal(SIGTERM);
  EXPECT_EQ(next(), "STOPPING=1");
  EXPECT_EQ(server.wait_exit(15s), 0);
  ::close(fd);
}

TEST_F(options_test, JsonLogsParseLineByLine) {
  server_process server({"--log.format=json", "--auth.secret=s"});
  auto claims = json{{"sub", "u42"}, {"exp", 4'000'000'000}, {"streams", {"*"}}};
  {
    ws_client ws(server.port(), ws_client::target(chat_clients(),
                                                  {{"token", sign_token(claims.dump(), "s")}}));
    ws.read_n(2);
    ws.close(1000);
  }
  ASSERT_TRUE(server.wait_for_log("\"message\":\"socket closed\"", 5s)) << server.logs_tail();
  server.signal(SIGTERM);
  ASSERT_EQ(server.wait_exit(15s), 0);
  std::istringstream lines{server.logs()};
  std::string line;
  json opened, closed;
  size_t count = 0;
  while (std::getline(lines, line)) {
    json j;
    ASSERT_NO_THROW(j = json::parse(line)) << "not JSON: " << line;
    ASSERT_TRUE(j.is_object()) << line;
    for (auto key : {"time", "level", "component", "message"})
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << line;
    if (j["message"] == "socket opened")
      opened = j;
    if (j["message"] == "socket closed")
      closed = j;
    ++count;
  }
  EXPECT_GT(count, 5u);
  ASSERT_TRUE(opened.is_object()) << server.logs();
  EXPECT_EQ(opened["remote"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << opened;
  ASSERT_TRUE(closed.is_object()) << server.logs();
  EXPECT_EQ(closed["socket"], opened["socket"]);
  EXPECT_EQ(closed["user"], "u42");
  EXPECT_EQ(closed["remote"], opened["remote"]);
  EXPECT_EQ(closed["code"], 1000);
}

} // namespace
} // namespace sb::test
