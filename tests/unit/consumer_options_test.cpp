// The options of stream consumers, `consumers.<name>.*`: read from every
// source into settings, validated as a whole (a glob, a webhook, the Redis
// broker), shown by --help and print-config, and kept apart from the
// plugins' own wildcard group.

#include <gtest/gtest.h>

#include "config/config_printer.hpp"
#include "config/ini_reader.hpp"
#include "tests/unit/config_run.hpp"

using namespace sb;
using sb::test::config_run;

namespace {

const char* archive = "broker = \"redis\"\n"
                      "[consumers.archive]\n"
                      "streams = \"room:*:chat\"\n"
                      "webhook = \"http://127.0.0.1:3000/hooks/chat?x=1\"\n";

} // namespace

TEST(consumer_options, a_consumer_from_an_ini_section) {
  config_run run{std::string{archive} + "max-attempts = 3\nclaim-after = 2s\nretry-delay = 50ms\n"
                                        "timeout = 1s\n"};
  ASSERT_EQ(run.error(), "");
  auto& cs = run.values().consumers;
  ASSERT_EQ(cs.size(), 1u);
  auto& c = cs[0];
  EXPECT_EQ(c.name, "archive");
  EXPECT_EQ(c.streams, "room:*:chat");
  EXPECT_EQ(c.webhook_host, "127.0.0.1");
  EXPECT_EQ(c.webhook_port, 3000);
  EXPECT_EQ(c.webhook_target, "/hooks/chat?x=1");
  EXPECT_EQ(c.max_attempts, 3u);
  EXPECT_EQ(c.claim_after.count(), 2000);
  EXPECT_EQ(c.retry_delay.count(), 50);
  EXPECT_EQ(c.timeout.count(), 1000);
  EXPECT_TRUE(run.values().custom_plugins.empty())
    << "a consumer's section is no plugin, and gets none of plugins.*";
}

TEST(consumer_options, defaults_flags_and_environment) {
  config_run run{"", {"--broker=redis", "--consumers.audit.streams=*:notifications"},
                 {"SWITCHBOARD_CONSUMERS_AUDIT_WEBHOOK=http://h/a",
                  "SWITCHBOARD_CONSUMERS_AUDIT_MAX_ATTEMPTS=4"}};
  ASSERT_EQ(run.error(), "");
  auto& c = run.values().consumers.at(0);
  EXPECT_EQ(c.name, "audit");
  EXPECT_EQ(c.streams, "*:notifications");
  EXPECT_EQ(c.webhook_port, 80);
  EXPECT_EQ(c.max_attempts, 4u);
  EXPECT_EQ(c.claim_after.count(), 30'000);
  EXPECT_EQ(c.retry_delay.count(), 1000);
  EXPECT_EQ(c.timeout.count(), 5000);
}

TEST(consumer_options, a_plugin_and_a_consumer_of_one_name_stay_apart) {
  config_run run{std::string{archive} + "[plugins.archive]\nrelay = true\nevents = [\"e\"]\n"};
  ASSERT_EQ(run.error(), "");
  EXPECT_EQ(run.values().consumers.size(), 1u);
  ASSERT_EQ(run.values().custom_plugins.size(), 1u);
  EXPECT_EQ(run.values().custom_plugins[0].name, "archive");
}

TEST(consumer_options, errors_name_the_consumer_and_where_it_was_set) {
  config_run memory{"[consumers.archive]\nstreams = \"room:*:chat\"\nwebhook = \"http://h/\"\n"};
  EXPECT_EQ(memory.error(), memory.path() + ":2: consumers.archive needs broker = redis: "
                            "consumers read Redis streams (broker is memory, from default)");
  config_run cluster{"broker = \"redis\"\n[redis]\nmode = \"cluster\"\n"
                     "[consumers.archive]\nstreams = \"room:*:chat\"\nwebhook = \"http://h/\"\n"};
  EXPECT_EQ(cluster.error(), cluster.path() + ":5: consumers.archive cannot run with redis.mode = "
                             "cluster yet: consumers find their streams with SCAN on one server "
                             "(docs/redis.md)");
  config_run no_hook{"broker = \"redis\"\n[consumers.archive]\nstreams = \"*:chat\"\n"};
  EXPECT_NE(no_hook.error().find(no_hook.path() + ":3: consumers.archive.webhook must be"),
            std::string::npos)
    << no_hook.error();
  config_run no_glob{"broker = \"redis\"\n[consumers.archive]\nwebhook = \"http://h/\"\n"};
  EXPECT_NE(no_glob.error().find("consumers.archive.streams must name the stream keys"),
            std::string::npos)
    << no_glob.error();
  config_run https{std::string{archive} + "webhook = \"https://h/\"\n"};
  EXPECT_NE(https.error().find(https.path() + ":5: consumers.archive.webhook: "), std::string::npos)
    << https.error();
  config_run zero{std::string{archive} + "max-attempts = 0\n"};
  EXPECT_NE(zero.error().find("consumers.archive.max-attempts must be in 1..1000"),
            std::string::npos)
    << zero.error();
  config_run bad_name{"broker = \"redis\"\n[consumers.Archive]\nstreams = \"x\"\n"};
  EXPECT_NE(bad_name.error(), "") << "consumer names follow plugin names: [a-z][a-z0-9_]*";
}

TEST(consumer_options, help_and_print_config_show_them) {
  auto help = help_text();
  EXPECT_NE(help.find("\n[consumers]\n  --consumers.NAME.streams=\"\""), std::string::npos) << help;
  EXPECT_NE(help.find("--consumers.NAME.claim-after=30s"), std::string::npos);
  config_run run{archive};
  ASSERT_EQ(run.error(), "");
  auto text = effective_config_text(run.loaded());
  auto section = text.find("\n[consumers.archive]\n");
  ASSERT_NE(section, std::string::npos) << text;
  EXPECT_EQ(text.find("\n[consumers]\n"), std::string::npos) << "no empty group header";
  EXPECT_NE(text.find("streams = \"room:*:chat\"  ; " + run.path() + ":3\n", section),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("max-attempts = 10  ; default\n", section), std::string::npos) << text;
  EXPECT_EQ(text.find("relay = ", section), std::string::npos) << "no plugin options here";
  auto again = parse_ini(text, "printed.ini");
  EXPECT_TRUE(std::holds_alternative<std::vector<ini_value>>(again)) << std::get<std::string>(again);
}
