// The pure half of `switchboard ctl`: its command line, and how answers
// print (actors/ctl_format); and the admin actor's cut of a kick reason.

#include "actors/admin.hpp"
#include "actors/ctl_format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sb {
namespace {

using json = nlohmann::json;

ctl_request parsed(std::vector<std::string> args) {
  auto r = parse_ctl_args(args);
  if (auto err = std::get_if<std::string>(&r))
    ADD_FAILURE() << *err;
  return std::get_if<ctl_request>(&r) ? std::get<ctl_request>(r) : ctl_request{};
}

std::string error_of(std::vector<std::string> args) {
  auto r = parse_ctl_args(args);
  auto err = std::get_if<std::string>(&r);
  return err ? *err : "(parsed)";
}

TEST(ctl_args, ReadsNodeFlagsCommandAndOperands) {
  auto r = parsed({"--node", "127.0.0.1:9090", "--json", "stats"});
  EXPECT_EQ(r.host, "127.0.0.1");
  EXPECT_EQ(r.port, 9090);
  EXPECT_TRUE(r.json);
  EXPECT_EQ(r.cmd, ctl_command::stats);
  EXPECT_EQ(r.timeout_seconds, 5u); // the issue's bound, by default
  r = parsed({"--node=[::1]:7", "--timeout=2", "kick", "s-1", "be", "nice"});
  EXPECT_EQ(r.host, "::1");
  EXPECT_EQ(r.port, 7);
  EXPECT_EQ(r.timeout_seconds, 2u);
  EXPECT_EQ(r.cmd, ctl_command::kick);
  EXPECT_EQ(r.target, "s-1");
  EXPECT_EQ(r.reason, "be nice");
  EXPECT_EQ(parsed({"--node", "h:1", "kick", "s-1"}).reason, "Closed by an operator");
  r = parsed({"--node", "h:1", "disconnect-user", "u42"});
  EXPECT_EQ(r.cmd, ctl_command::disconnect_user);
  EXPECT_EQ(r.target, "u42");
  // Flags after the command are its operands (a reason may start with --).
  EXPECT_EQ(parsed({"--node", "h:1", "kick", "s", "--json"}).reason, "--json");
  EXPECT_EQ(parsed({"--node", "h:1", "kick", "s", "-h"}).reason, "-h");
  EXPECT_TRUE(parsed({"--help"}).help);
  EXPECT_TRUE(parsed({"--node", "h:1", "-h", "nonsense"}).help);
}

TEST(ctl_args, RefusesWhatItCannotDo) {
  EXPECT_NE(error_of({"stats"}).find("--node HOST:PORT is required"), std::string::npos);
  EXPECT_EQ(error_of({"--node", "h:1"}), "no command given");
  EXPECT_EQ(error_of({"--node", "h:1", "reboot"}), "unknown command 'reboot'");
  EXPECT_EQ(error_of({"--node", "h:1", "stats", "now"}), "unexpected argument 'now'");
  EXPECT_EQ(error_of({"--nod", "h:1", "stats"}), "unknown option --nod");
  for (auto bad : {"h", "h:", ":1", "h:0", "h:65536", "h:1x"})
    EXPECT_NE(error_of({"--node", bad, "stats"}).find("--node needs HOST:PORT"),
              std::string::npos)
      << bad;
  EXPECT_NE(error_of({"--node"}).find("--node needs"), std::string::npos);
  EXPECT_NE(error_of({"--node", "h:1", "--timeout", "0", "stats"}).find("--timeout needs"),
            std::string::npos);
  EXPECT_EQ(error_of({"--node", "h:1", "kick"}), "kick needs a socket id (ctl sockets lists them)");
  EXPECT_EQ(error_of({"--node", "h:1", "kick", "s", std::string(124, 'x')}),
            "the reason is 124 bytes; a Close frame holds 123");
  EXPECT_EQ(error_of({"--node", "h:1", "kick", "s", "\xff"}), "the reason is not UTF-8");
  EXPECT_EQ(error_of({"--node", "h:1", "disconnect-user"}), "disconnect-user needs one user id");
  EXPECT_EQ(error_of({"--node", "h:1", "disconnect-user", ""}),
            "disconnect-user needs one user id");
  EXPECT_NE(error_of({"--node", "h:\xd9\xa1", "stats"}).find("--node needs"), std::string::npos);
  EXPECT_EQ(error_of({"--node", "h:1", "--certificate", "c.pem", "stats"}),
            "TLS needs --certificate, --key and --ca, all three");
  EXPECT_EQ(error_of({"--node", "h:1", "--ca", "", "stats"}), "--ca needs a PEM file");
  auto tls = parsed({"--node", "h:1", "--certificate=c", "--key", "k", "--ca", "a", "stats"});
  EXPECT_EQ(tls.certificate + tls.key + tls.ca, "cka");
}

TEST(ctl_output, TablesAlignTheirColumns) {
  EXPECT_EQ(text_table({{"A", "BB"}, {"ccc", "d"}}), "A    BB\nccc  d\n");
  EXPECT_EQ(human_age(999), "0s");
  EXPECT_EQ(human_age(61'000), "1m1s");
  EXPECT_EQ(human_age(3'600'000), "1h0m");
  EXPECT_EQ(human_age(90'061'000), "1d1h1m");
}

TEST(ctl_output, StatsKeepEverySampleOfTheMetricsText) {
  std::string text = "# HELP a_total A.\n# TYPE a_total counter\na_total 3\n"
                     "b{le=\"+Inf\"} 4\nc_seconds_sum 0.25\n";
  auto j = json::parse(format_stats(text, true));
  EXPECT_EQ(j, json::parse(R"({"a_total":3,"b{le=\"+Inf\"}":4,"c_seconds_sum":0.25})"));
  auto table = format_stats(text, false);
  EXPECT_EQ(table.find("# HELP"), std::string::npos);
  EXPECT_NE(table.find("b{le=\"+Inf\"}   4"), std::string::npos) << table;
}

TEST(ctl_output, SocketsComeOldestFirst) {
  std::vector<socket_report> s{{"young", "u1", "1.2.3.4:5", {}, 0, 1'000},
                               {"old", "", "1.2.3.4:6", {{"chat", "room:1"}}, 17, 90'000}};
  auto j = json::parse(format_sockets(s, true));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["id"], "old");
  EXPECT_EQ(j[0]["plugins"], json::parse(R"([{"client":"chat","stream":"room:1"}])"));
  EXPECT_EQ(j[0]["queued_bytes"], 17);
  auto table = format_sockets(s, false);
  EXPECT_LT(table.find("old"), table.find("young")) << table;
  EXPECT_NE(table.find("chat@room:1"), std::string::npos) << table;
  EXPECT_NE(table.find("1m30s"), std::string::npos) << table;
  EXPECT_NE(table.find("2 sockets"), std::string::npos) << table;
}

TEST(ctl_output, TopicsComeByKeyAndConfigByOption) {
  std::vector<topic_report> t{{"b:chat", "streams", 2, 9}, {"a:chat", "pub-sub", 1, 0}};
  auto j = json::parse(format_topics(t, true));
  EXPECT_EQ(j[0]["key"], "a:chat");
  EXPECT_EQ(j[1]["delivered"], 9);
  auto c = json::parse(format_config({{"auth.secret", "****", "--auth.secret"}}, true));
  EXPECT_EQ(c, json::parse(R"({"auth.secret":{"value":"****","origin":"--auth.secret"}})"));
}

TEST(ctl_output, WorkersComeOldestFirstWithWhatEachHosts) {
  std::vector<worker_report> w{{"young", "N2#2", 0, {}, 1'000},
                               {"old", "N1#1", 3, {{"chat", 2}, {"presence", 1}}, 61'000}};
  auto j = json::parse(format_workers(w, true));
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "old");
  EXPECT_EQ(j[0]["load"], 3);
  EXPECT_EQ(j[0]["hosted"], json::parse(R"({"chat":2,"presence":1})"));
  EXPECT_EQ(j[1]["hosted"], json::object());
  auto table = format_workers(w, false);
  EXPECT_LT(table.find("old"), table.find("young")) << table;
  EXPECT_NE(table.find("chat=2,presence=1"), std::string::npos) << table;
  EXPECT_NE(table.find("1m1s"), std::string::npos) << table;
  EXPECT_NE(table.find("2 workers"), std::string::npos) << table;
  auto req = std::get<ctl_request>(parse_ctl_args({"--node", "h:1", "workers"}));
  EXPECT_EQ(req.cmd, ctl_command::workers);
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_ctl_args({"--node", "h:1", "workers", "x"})));
}

TEST(split_host_port, TakesHostAndPortOrRefuses) {
  std::string host;
  uint16_t port = 0;
  EXPECT_TRUE(split_host_port("[::1]:9090", host, port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9090);
  for (auto bad : {"h", "h:", ":1", "h:0", "h:65536", "h:x1"})
    EXPECT_FALSE(split_host_port(bad, host, port)) << bad;
}

TEST(kick_reason, ADefaultStandsForNoReasonOrOneThatIsNotUtf8) {
  EXPECT_EQ(kick_reason("bye"), "bye");
  EXPECT_EQ(kick_reason(""), "Closed by an operator");
  EXPECT_EQ(kick_reason("\xff"), "Closed by an operator");
}

} // namespace
} // namespace sb
