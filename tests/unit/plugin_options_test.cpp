// The options of custom plugins: `plugins.load` and the wildcard group
// `plugins.<name>.*` from every source (INI sections, flags, environment),
// list values, file:line errors, --help and print-config, and the
// validation of a relay or a proxy as a whole.

#include <gtest/gtest.h>

#include "config/backend_url.hpp"
#include "config/command_line.hpp"
#include "config/config_printer.hpp"
#include "config/ini_reader.hpp"
#include "config/option_sources.hpp"
#include "config/option_table.hpp"
#include "config/switchboard_config.hpp"
#include "config/value_parser.hpp"
#include "tests/unit/config_run.hpp"

using namespace sb;
using sb::test::ini_error;
using sb::test::config_run;

namespace {

} // namespace

TEST(plugin_options, wildcard_keys_are_found_for_valid_names_only) {
  auto relay = find_option("plugins.typing.relay");
  ASSERT_NE(relay, nullptr);
  EXPECT_EQ(relay->key, "plugins.*.relay");
  EXPECT_EQ(instance_of("plugins.typing.relay"), "typing");
  EXPECT_EQ(instance_of("plugins.load"), "");
  EXPECT_EQ(find_option("plugins.Typing.relay"), nullptr) << "names are lower case";
  EXPECT_EQ(find_option("plugins.my-votes.relay"), nullptr) << "no dash: env names map back";
  EXPECT_EQ(find_option("plugins.typing.nope"), nullptr);
  EXPECT_EQ(find_option("http.x.port"), nullptr);
  EXPECT_TRUE(known_group("plugins.typing"));
  EXPECT_FALSE(known_group("plugins.Bad"));
  EXPECT_FALSE(known_group("http.typing"));
  EXPECT_EQ(closest_option("plugins.typing.rely"), "plugins.typing.relay");
}

TEST(plugin_options, lists_take_brackets_or_commas) {
  EXPECT_EQ(parse_list(R"(["a b", "c,d"])"), (std::vector<std::string>{"a b", "c,d"}));
  EXPECT_EQ(parse_list("a,b c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parse_list("[]"), std::vector<std::string>{});
  EXPECT_FALSE(parse_list("[1, 2]"));
  EXPECT_FALSE(parse_list("[\"a\""));
}

TEST(plugin_options, ini_sections_name_the_plugin_and_errors_name_the_line) {
  auto r = parse_ini("[plugins]\nload = [\"/a.so\", \"/b c.so\"] ; two\n"
                     "[plugins.typing]\nrelay = true\nevents = \"typing,stopped\"\n",
                     "s.ini");
  ASSERT_TRUE(std::holds_alternative<std::vector<ini_value>>(r)) << std::get<std::string>(r);
  auto& v = std::get<std::vector<ini_value>>(r);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].key, "plugins.load");
  EXPECT_EQ(v[0].text, R"(["/a.so", "/b c.so"])");
  EXPECT_EQ(v[1].key, "plugins.typing.relay");
  EXPECT_EQ(v[2].line, 5);
  EXPECT_EQ(ini_error("[plugins.Typing]\n"), "switchboard.ini:1: unknown group [plugins.Typing]");
  EXPECT_EQ(ini_error("[plugins.typing]\nrelay = yes\n"),
            "switchboard.ini:2: expected true or false for plugins.typing.relay, got \"yes\"");
  EXPECT_EQ(ini_error("[plugins.typing]\nrelai = true\n"),
            "switchboard.ini:2: unknown option plugins.typing.relai (did you mean plugins.typing.relay?)");
  EXPECT_EQ(ini_error("[plugins]\nload = [1]\n"),
            "switchboard.ini:2: expected a list such as [\"a\", \"b\"] or \"a,b\" for plugins.load, got "
            "\"[1]\"");
  EXPECT_EQ(ini_error("[plugins]\nload = /a.so\n"),
            "switchboard.ini:2: expected a quoted string or [\"a\", \"b\"] for plugins.load");
}

TEST(plugin_options, every_source_sets_them_and_each_name_gets_every_option) {
  config_run run{"[plugins.votes]\nproxy = \"http://127.0.0.1:3000/hooks/votes?x=1\"\n",
                 {"--plugins.typing.relay", "--plugins.typing.events=typing,stopped"},
                 {"SWITCHBOARD_PLUGINS_VOTES_TIMEOUT=2s", "SWITCHBOARD_PLUGINS_VOTES_MAX_LENGTH=50",
                  "SWITCHBOARD_PLUGINS_LOAD=/x.so"}};
  ASSERT_EQ(run.error(), "");
  auto& s = run.values();
  EXPECT_EQ(s.plugin_libraries, std::vector<std::string>{"/x.so"});
  ASSERT_EQ(s.custom_plugins.size(), 2u);
  auto& typing = s.custom_plugins[0];
  EXPECT_EQ(typing.name, "typing");
  EXPECT_EQ(typing.kind, custom_kind::relay);
  EXPECT_EQ(typing.events, (std::vector<std::string>{"typing", "stopped"}));
  EXPECT_EQ(typing.origin, "--plugins.typing.events");
  auto& votes = s.custom_plugins[1];
  EXPECT_EQ(votes.kind, custom_kind::proxy);
  EXPECT_EQ(votes.proxy_host, "127.0.0.1");
  EXPECT_EQ(votes.proxy_port, 3000);
  EXPECT_EQ(votes.proxy_target, "/hooks/votes?x=1");
  EXPECT_EQ(votes.timeout, std::chrono::seconds(2));
  EXPECT_EQ(votes.max_length, 50u);
  EXPECT_TRUE(votes.events.empty());
  auto& values = run.loaded().options;
  EXPECT_EQ(values.at("plugins.votes.timeout").origin, "SWITCHBOARD_PLUGINS_VOTES_TIMEOUT");
  EXPECT_EQ(values.at("plugins.votes.relay").origin, "default");
  EXPECT_EQ(values.at("plugins.votes.proxy").origin, run.path() + ":2");
  EXPECT_TRUE(values.warnings.empty());
}

TEST(plugin_options, a_plugin_is_a_relay_or_a_proxy_with_valid_parts) {
  auto neither = config_run("[plugins.x]\ntimeout = 1s\n");
  EXPECT_NE(neither.error().find(":2: plugins.x needs relay = true or proxy"), std::string::npos)
    << neither.error();
  auto both = config_run("[plugins.x]\nrelay = true\nevents = \"a\"\nproxy = \"http://h/\"\n");
  EXPECT_NE(both.error().find(":4: plugins.x sets both relay = true"), std::string::npos)
    << both.error();
  auto no_events = config_run("[plugins.x]\nrelay = true\n");
  EXPECT_NE(no_events.error().find(":2: plugins.x.events must list"), std::string::npos)
    << no_events.error();
  auto bad_event = config_run("[plugins.x]\nrelay = true\nevents = [\"ok\", \"no way\"]\n");
  EXPECT_NE(bad_event.error().find(":3: plugins.x.events: \"no way\" is not an event name"),
            std::string::npos)
    << bad_event.error();
  auto https = config_run("[plugins.x]\nproxy = \"https://h/\"\n");
  EXPECT_NE(https.error().find(":2: plugins.x.proxy: invalid backend URL \"https://h/\": https"),
            std::string::npos)
    << https.error();
  auto slow = config_run("[plugins.x]\nproxy = \"http://h/\"\ntimeout = 10s\n");
  EXPECT_NE(slow.error().find(":3: plugins.x.timeout must be at most 9s"), std::string::npos)
    << slow.error();
  auto env = config_run("", {}, {"SWITCHBOARD_PLUGINS_X_RELAY=maybe"});
  EXPECT_NE(env.error().find("SWITCHBOARD_PLUGINS_X_RELAY: expected true or false"),
            std::string::npos)
    << env.error();
}

TEST(plugin_options, placement_puts_any_plugin_on_workers_with_an_admin_port) {
  config_run builtin{"[admin]\nport = 9090\n[plugins.chat]\nplacement = \"worker\"\n"
                     "[plugins.votes]\nrelay = true\nevents = \"vote\"\nplacement = \"worker\"\n"
                     "[plugins.presence]\nplacement = \"local\"\n"};
  ASSERT_EQ(builtin.error(), "");
  // A section with placement only says where chat runs; it defines no plugin.
  ASSERT_EQ(builtin.values().custom_plugins.size(), 1u);
  EXPECT_EQ(builtin.values().custom_plugins[0].name, "votes");
  EXPECT_EQ(builtin.values().worker_plugins, (std::vector<std::string>{"chat", "votes"}));
  auto no_admin = config_run("[plugins.chat]\nplacement = \"worker\"\n");
  EXPECT_NE(no_admin.error().find(":2: plugins.chat.placement = worker needs admin.port"),
            std::string::npos)
    << no_admin.error();
  auto wrong = config_run("", {"--admin.port=9090", "--plugins.chat.placement=remote"});
  EXPECT_NE(wrong.error().find("plugins.chat.placement"), std::string::npos) << wrong.error();
  EXPECT_NE(wrong.error().find("worker"), std::string::npos) << wrong.error();
}

TEST(command_line, worker_takes_join_and_the_usual_options) {
  const char* args[] = {"switchboard", "worker", "--join", "h:9090", "--log.level=debug"};
  auto cl = std::get<command_line>(parse_command_line(5, args));
  EXPECT_EQ(cl.cmd, subcommand::worker);
  EXPECT_EQ(cl.join, std::optional<std::string>{"h:9090"});
  EXPECT_EQ(cl.options.size(), 1u);
  const char* serve[] = {"switchboard", "--join", "h:9090"};
  auto refused = parse_command_line(3, serve);
  ASSERT_TRUE(std::holds_alternative<std::string>(refused));
  EXPECT_NE(std::get<std::string>(refused).find("unknown option --join"), std::string::npos);
}

TEST(plugin_options, unknown_variables_are_still_warned_about) {
  config_run run{"", {}, {"SWITCHBOARD_PLUGINS_X_RELAI=true"}};
  ASSERT_EQ(run.error(), "");
  ASSERT_EQ(run.loaded().options.warnings.size(), 1u);
  EXPECT_NE(run.loaded().options.warnings[0].find("SWITCHBOARD_PLUGINS_X_RELAI"),
            std::string::npos);
}

TEST(plugin_options, help_and_print_config_show_them) {
  auto help = help_text();
  EXPECT_NE(help.find("--plugins.load=[]"), std::string::npos);
  EXPECT_NE(help.find("--plugins.NAME.relay=false"), std::string::npos);
  EXPECT_NE(help.find("--plugins.NAME.proxy=\"\""), std::string::npos);
  config_run run{"[plugins.typing]\nrelay = true\nevents = [\"typing\", \"stopped\"]\n"};
  ASSERT_EQ(run.error(), "");
  auto text = effective_config_text(run.loaded());
  auto section = text.find("\n[plugins.typing]\n");
  ASSERT_NE(section, std::string::npos) << text;
  EXPECT_LT(text.find("\n[plugins]\nload = []  ; default\n"), section) << text;
  EXPECT_NE(text.find("relay = true  ; " + run.path() + ":2\n", section), std::string::npos)
    << text;
  EXPECT_NE(text.find("events = [\"typing\", \"stopped\"]  ; " + run.path() + ":3\n", section),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("timeout = 5s  ; default\n", section), std::string::npos) << text;
  // What print-config prints reads back as the same configuration.
  auto again = parse_ini(text, "printed.ini");
  EXPECT_TRUE(std::holds_alternative<std::vector<ini_value>>(again)) << std::get<std::string>(again);
}

TEST(backend_url, http_urls_with_host_port_and_path) {
  auto u = std::get<backend_url>(parse_backend_url("http://localhost:3000/hooks/votes?a=1"));
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 3000);
  EXPECT_EQ(u.target, "/hooks/votes?a=1");
  auto bare = std::get<backend_url>(parse_backend_url("http://backend"));
  EXPECT_EQ(bare.port, 80);
  EXPECT_EQ(bare.target, "/");
  auto v6 = std::get<backend_url>(parse_backend_url("http://[::1]:81/h"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 81);
  for (auto bad : {"ftp://h/", "http://", "http://h:0/", "http://h:x/", "http://u:p@h/",
                   "http://h/a b", "http://[::1/", "http://h:/"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_backend_url(bad))) << bad;
}
