// The option machinery without a process: INI shapes and file:line errors,
// the command line (commands, flags, stray arguments), the precedence of
// flags > environment > INI > defaults, masking, the Origin rule and the
// JSON log line.

#include <gtest/gtest.h>

#include "core/log.hpp"
#include "config/command_line.hpp"
#include "config/config_printer.hpp"
#include "config/ini_reader.hpp"
#include "config/option_sources.hpp"
#include "config/option_table.hpp"
#include "config/value_parser.hpp"
#include "net/origin.hpp"
#include "tests/unit/config_run.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <unistd.h>

using namespace sb;
using sb::test::ini_error;

namespace {

std::variant<command_line, std::string> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "switchboard");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

std::string parse_error(std::vector<const char*> args) {
  auto r = parse(std::move(args));
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

} // namespace

TEST(options, every_option_has_help_and_a_default_of_its_kind) {
  for (auto& o : option_table()) {
    EXPECT_FALSE(o.help.empty()) << o.key;
    if (!o.fallback.empty()) {
      EXPECT_FALSE(shape_error(o.kind, o.key, o.fallback)) << o.key;
    }
  }
  EXPECT_EQ(env_name("http.max-header-bytes"), "SWITCHBOARD_HTTP_MAX_HEADER_BYTES");
  EXPECT_EQ(env_name("broker"), "SWITCHBOARD_BROKER");
}

TEST(options, durations_take_a_unit) {
  using namespace std::chrono;
  EXPECT_EQ(parse_duration("500ms"), nanoseconds(milliseconds(500)));
  EXPECT_EQ(parse_duration("1min"), nanoseconds(minutes(1)));
  EXPECT_EQ(parse_duration("1h"), nanoseconds(hours(1)));
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("10 s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("999999999d")) << "overflows the clock";
}

TEST(options, ini_values_need_their_shape_and_errors_name_file_and_line) {
  EXPECT_EQ(ini_error("[auth]\n; a comment\n\nsecret = abc\n"),
            "switchboard.ini:4: expected a quoted string for auth.secret");
  EXPECT_EQ(ini_error("[http]\nport = \"abc\"\n"),
            "switchboard.ini:2: expected an integer for http.port, got \"\"abc\"\"");
  EXPECT_EQ(ini_error("[http]\nprot = 1\n"),
            "switchboard.ini:2: unknown option http.prot (did you mean http.port?)");
  EXPECT_EQ(ini_error("[htp]\n"), "switchboard.ini:1: unknown group [htp]");
  EXPECT_EQ(ini_error("broker\n"), "switchboard.ini:1: expected key = value");
  EXPECT_EQ(ini_error("[limits]\nping-interval = 10\n"),
            "switchboard.ini:2: expected a duration such as 10s or 500ms for "
            "limits.ping-interval, got \"10\"");
  EXPECT_EQ(ini_error("[auth]\nsecret = \"open\n"), "switchboard.ini:2: missing closing quote");
}

TEST(options, ini_reads_quotes_comments_and_groups) {
  auto r = parse_ini("broker = 'redis' ; trailing\n[http]\nport = 9000 # note\n"
                     "host = \"a\\\"b\"\n[global]\nbroker = \"memory\"\n",
                     "x.ini");
  ASSERT_TRUE(std::holds_alternative<std::vector<ini_value>>(r)) << std::get<std::string>(r);
  auto& v = std::get<std::vector<ini_value>>(r);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].key, "broker");
  EXPECT_EQ(v[0].text, "redis");
  EXPECT_EQ(v[1].key, "http.port");
  EXPECT_EQ(v[1].text, "9000");
  EXPECT_EQ(v[2].text, "a\"b");
  EXPECT_EQ(v[3].line, 6);
}

TEST(options, the_shipped_ini_file_parses) {
  auto r = read_ini(SWITCHBOARD_SOURCE_DIR "/config/switchboard.ini");
  EXPECT_TRUE(std::holds_alternative<std::vector<ini_value>>(r)) << std::get<std::string>(r);
}

// The shipped file documents every option, each at its default (so that
// it can be read as the list of defaults).
TEST(options, the_shipped_ini_file_lists_every_option_at_its_default) {
  std::ifstream in{SWITCHBOARD_SOURCE_DIR "/config/switchboard.ini"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  auto parsed = std::get<std::vector<ini_value>>(parse_ini(text, "switchboard.ini"));
  for (auto& o : option_table()) {
    bool set = false;
    for (auto& v : parsed)
      if (v.key == o.key) {
        set = true;
        EXPECT_EQ(v.text, o.fallback) << o.key << " is not at its default";
      }
    if (!set) {
      // A wildcard option (plugins.*.relay) is shown in a commented example.
      auto name = is_wildcard(o) ? name_of(name_of(o.key)) : name_of(o.key);
      auto commented = "; " + std::string{name} + " = ";
      EXPECT_NE(text.find(commented), std::string::npos) << o.key << " is not in the file";
    }
  }
}

TEST(options, command_line_takes_commands_flags_and_nothing_stray) {
  auto r = parse({"check-config", "--config-file", "a.ini", "--http.port=9000",
                  "--limits.commands-burst", "7", "--demo.enabled"});
  ASSERT_TRUE(std::holds_alternative<command_line>(r)) << std::get<std::string>(r);
  auto& cl = std::get<command_line>(r);
  EXPECT_EQ(cl.cmd, subcommand::check_config);
  EXPECT_EQ(cl.config_file, "a.ini");
  ASSERT_EQ(cl.options.size(), 3u);
  EXPECT_EQ(cl.options[1].value, "7");
  EXPECT_EQ(cl.options[2].value, "true");
  EXPECT_NE(parse_error({"http.port=9000"}).find("unexpected argument 'http.port=9000'"),
            std::string::npos);
  EXPECT_NE(parse_error({"--http.port=1", "extra"}).find("unexpected argument 'extra'"),
            std::string::npos);
  EXPECT_NE(parse_error({"--http.prot=1"}).find("did you mean --http.port"), std::string::npos);
  EXPECT_NE(parse_error({"--sub=u1"}).find("unknown option --sub"), std::string::npos)
    << "token flags only after `token`";
  EXPECT_NE(parse_error({"--http.port"}).find("needs a value"), std::string::npos);
  EXPECT_EQ(std::get<command_line>(parse({"--dump-config"})).cmd, subcommand::print_config);
  EXPECT_EQ(std::get<command_line>(parse({"--version"})).cmd, subcommand::version);
  auto token = std::get<command_line>(parse({"token", "--sub", "u42", "--ttl=1h"}));
  EXPECT_EQ(token.token_flags.at("sub"), "u42");
}

TEST(options, flags_beat_environment_beat_ini_beat_defaults) {
  char name[] = "/tmp/switchboard-options-XXXXXX";
  int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(name) << "[http]\nport = 1111\nhost = \"10.0.0.1\"\n[chat]\nhistory = 5\n";
  const char* env[] = {"SWITCHBOARD_HTTP_PORT=2222", "SWITCHBOARD_CHAT_HISTORY=6",
                       "SWITCHBOARD_NO_SUCH_OPTION=1", "PATH=/bin", nullptr};
  auto cl = std::get<command_line>(parse({"--config-file", name, "--chat.history=7"}));
  auto r = gather_options(cl, env);
  ::unlink(name);
  ASSERT_TRUE(std::holds_alternative<option_values>(r)) << std::get<std::string>(r);
  auto& v = std::get<option_values>(r);
  EXPECT_EQ(v.at("chat.history").text, "7");
  EXPECT_EQ(v.at("chat.history").origin, "--chat.history");
  EXPECT_EQ(v.at("http.port").text, "2222");
  EXPECT_EQ(v.at("http.port").origin, "SWITCHBOARD_HTTP_PORT");
  EXPECT_EQ(v.at("http.host").text, "10.0.0.1");
  EXPECT_EQ(v.at("http.host").origin, std::string{name} + ":3");
  EXPECT_EQ(v.at("limits.frame-size").origin, "default");
  ASSERT_EQ(v.warnings.size(), 1u);
  EXPECT_NE(v.warnings[0].find("SWITCHBOARD_NO_SUCH_OPTION"), std::string::npos);
}

TEST(options, secrets_are_masked) {
  EXPECT_EQ(masked("auth.secret", "hunter2"), "****");
  EXPECT_EQ(masked("api.key", "k"), "****");
  EXPECT_EQ(masked("auth.secret", ""), "");
  EXPECT_EQ(masked("http.host", "0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(masked("redis.url", "redis://:pw@a:6379,redis://user:pw2@b/1,redis://c"),
            "redis://:****@a:6379,redis://user:****@b/1,redis://c");
}

TEST(origin, same_origin_by_default_listed_or_star_otherwise) {
  EXPECT_TRUE(origin_allowed("", "h:1", {})) << "no Origin: not a browser";
  EXPECT_TRUE(origin_allowed("http://localhost:8080", "localhost:8080", {}));
  EXPECT_TRUE(origin_allowed("https://Chat.Example", "chat.example", {}));
  EXPECT_FALSE(origin_allowed("https://evil.example", "chat.example", {}));
  EXPECT_FALSE(origin_allowed("http://localhost:8081", "localhost:8080", {}));
  EXPECT_FALSE(origin_allowed("null", "localhost:8080", {}));
  EXPECT_TRUE(origin_allowed("https://app.example", "api.example", {"https://app.example"}));
  EXPECT_TRUE(origin_allowed("https://api.example", "api.example", {"https://app.example"}));
  EXPECT_FALSE(origin_allowed("https://evil.example", "api.example", {"https://app.example"}));
  EXPECT_TRUE(origin_allowed("https://evil.example", "api.example", {"*"}));
}

TEST(log, json_lines_are_objects_with_the_fields) {
  ASSERT_TRUE(log::set_format("json"));
  auto line = log::format_line(log::level::info, "websocket",
                               log::fields{"n1-1", "u42", "127.0.0.1:5000", 1000},
                               "socket closed \"quoted\" \xff");
  log::set_format("text");
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["component"], "websocket");
  EXPECT_EQ(j["socket"], "n1-1");
  EXPECT_EQ(j["user"], "u42");
  EXPECT_EQ(j["remote"], "127.0.0.1:5000");
  EXPECT_EQ(j["code"], 1000);
  EXPECT_EQ(j["message"].get<std::string>().substr(0, 21), "socket closed \"quoted");
  EXPECT_TRUE(j.contains("time"));
  auto text = log::format_line(log::level::info, "websocket", log::fields{"n1-1", {}, "r"},
                               "socket opened");
  EXPECT_NE(text.find("websocket: socket opened socket=n1-1 remote=r"), std::string::npos);
  EXPECT_FALSE(log::set_format("xml"));
}
