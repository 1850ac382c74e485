#include "actors/ctl_format.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/utf8.hpp"
#include "core/ws_codec.hpp"

namespace sb {

using json = nlohmann::json;

namespace {

bool all_digits(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<ctl_command> command_named(const std::string& word) {
  static const std::pair<const char*, ctl_command> names[] = {
    {"stats", ctl_command::stats},   {"sockets", ctl_command::sockets},
    {"topics", ctl_command::topics}, {"kick", ctl_command::kick},
    {"disconnect-user", ctl_command::disconnect_user}, {"config", ctl_command::config},
    {"workers", ctl_command::workers}};
  for (auto& [name, cmd] : names)
    if (word == name)
      return cmd;
  return std::nullopt;
}

/// The flag at args[i] (`--name=value` or `--name value`); "" when it is
/// not one of ctl's, else an error text or "ok".
std::string read_flag(const std::vector<std::string>& args, size_t& i, ctl_request& req,
                      bool& node_given) {
  auto arg = args[i];
  auto eq = arg.find('=');
  auto name = arg.substr(0, eq);
  auto value = [&]() -> std::optional<std::string> {
    if (eq != std::string::npos)
      return arg.substr(eq + 1);
    if (i + 1 < args.size())
      return args[++i];
    return std::nullopt;
  };
  if ((name == "--help" || name == "-h") && eq == std::string::npos) {
    req.help = true;
    return "ok";
  }
  if (name == "--json" && eq == std::string::npos) {
    req.json = true;
    return "ok";
  }
  if (name == "--node") {
    auto v = value();
    if (!v || !split_host_port(*v, req.host, req.port))
      return "--node needs HOST:PORT, the node's admin.host and admin.port (e.g. "
             "--node 127.0.0.1:9090)";
    node_given = true;
    return "ok";
  }
  for (auto [flag, field] : {std::pair{"--certificate", &req.certificate},
                              std::pair{"--key", &req.key}, std::pair{"--ca", &req.ca}})
    if (name == flag) {
      auto v = value();
      if (!v || v->empty())
        return std::string{flag} + " needs a PEM file";
      *field = *v;
      return "ok";
    }
  if (name == "--timeout") {
    auto v = value();
    if (!v || v->empty() || v->size() > 4 || !all_digits(*v) || std::stoul(*v) == 0)
      return "--timeout needs a number of seconds, 1 to 9999";
    req.timeout_seconds = static_cast<uint32_t>(std::stoul(*v));
    return "ok";
  }
  return "unknown option " + arg;
}

std::string join_words(const std::vector<std::string>& words, size_t from) {
  std::string out;
  for (size_t i = from; i < words.size(); ++i)
    out += (i == from ? "" : " ") + words[i];
  return out;
}

/// What follows the command word: its arguments, checked.
std::string read_operands(const std::vector<std::string>& words, ctl_request& req) {
  auto count = words.size() - 1;
  switch (req.cmd) {
    case ctl_command::kick:
      if (count < 1 || words[1].empty())
        return "kick needs a socket id (ctl sockets lists them)";
      req.target = words[1];
      req.reason = count > 1 ? join_words(words, 2) : "Closed by an operator";
      if (!valid_utf8(req.reason))
        return "the reason is not UTF-8";
      if (req.reason.size() > ws::max_close_reason)
        return "the reason is " + std::to_string(req.reason.size())
               + " bytes; a Close frame holds 123";
      return {};
    case ctl_command::disconnect_user:
      if (count != 1 || words[1].empty())
        return "disconnect-user needs one user id";
      req.target = words[1];
      return {};
    default:
      if (count != 0)
        return "unexpected argument '" + words[1] + "'";
      return {};
  }
}

std::string dump(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string plugins_text(const std::vector<plugin_ref>& plugins) {
  std::string out;
  for (auto& p : plugins)
    out += (out.empty() ? "" : ",") + p.client + "@" + p.stream;
  return out.empty() ? "-" : out;
}

/// A sample value of the Prometheus text: an integer when it is one.
json sample_value(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v))
    return text;
  if (v == std::floor(v) && std::fabs(v) < 9e15)
    return static_cast<int64_t>(v);
  return v;
}

} // namespace

std::string ctl_usage() {
  return "usage: switchboard ctl --node HOST:PORT [--json] [--timeout SECONDS]\n"
         "                        [--certificate PEM --key PEM --ca PEM] COMMAND\n"
         "\n"
         "Asks a running node (its admin.port) and prints a table, or JSON with --json.\n"
         "\n"
         "commands:\n"
         "  stats                     the counters and gauges /metrics shows\n"
         "  sockets                   open sockets: user, peer, plugins, queued bytes, age\n"
         "  topics                    topics: key, strategy, members, events delivered\n"
         "  kick SOCKET [REASON...]   closes one socket with code 4000 and the reason\n"
         "  disconnect-user USER      closes the user's sockets on every node (1008)\n"
         "  config                    the node's effective configuration, secrets masked\n"
         "  workers                   workers joined to the node and what each hosts\n"
         "\n"
         "A node with TLS on its admin port (admin.certificate) needs --certificate and\n"
         "--key signed by the CA it trusts (admin.ca), and --ca, the CA of its own.\n"
         "--timeout (default 5) bounds everything: a node that does not answer in time\n"
         "is an error (exit status 1); a usage error exits with 2.\n";
}

std::variant<ctl_request, std::string> parse_ctl_args(const std::vector<std::string>& args) {
  ctl_request req;
  bool node_given = false;
  std::vector<std::string> words; // the command and its operands
  for (size_t i = 0; i < args.size(); ++i) {
    if (words.empty() && args[i].size() > 1 && args[i][0] == '-') {
      auto result = read_flag(args, i, req, node_given);
      if (result != "ok")
        return result;
      if (req.help)
        return req;
      continue;
    }
    words.push_back(args[i]);
  }
  if (words.empty())
    return std::string{"no command given"};
  auto cmd = command_named(words[0]);
  if (!cmd)
    return "unknown command '" + words[0] + "'";
  req.cmd = *cmd;
  if (auto err = read_operands(words, req); !err.empty())
    return err;
  if (!node_given)
    return std::string{"--node HOST:PORT is required: the node's admin.host and admin.port"};
  int tls = !req.certificate.empty() + !req.key.empty() + !req.ca.empty();
  if (tls != 0 && tls != 3)
    return std::string{"TLS needs --certificate, --key and --ca, all three"};
  return req;
}

std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (widths.size() <= c)
        widths.push_back(0);
      widths[c] = std::max(widths[c], row[c].size());
    }
  std::ostringstream out;
  for (auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size())
        line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    out << line << '\n';
  }
  return out.str();
}

std::string human_age(uint64_t ms) {
  auto s = ms / 1000;
  if (s < 60)
    return std::to_string(s) + "s";
  std::string out;
  if (s >= 86400)
    out += std::to_string(s / 86400) + "d";
  if (s >= 3600)
    out += std::to_string(s / 3600 % 24) + "h";
  out += std::to_string(s / 60 % 60) + "m";
  if (s < 3600)
    out += std::to_string(s % 60) + "s";
  return out;
}

std::string format_stats(const std::string& prometheus_text, bool json_out) {
  std::vector<std::vector<std::string>> rows{{"METRIC", "VALUE"}};
  json j = json::object();
  std::istringstream in{prometheus_text};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos)
      continue;
    auto name = line.substr(0, space);
    auto value = line.substr(space + 1);
    rows.push_back({name, value});
    j[name] = sample_value(value);
  }
  return json_out ? dump(j) : text_table(rows);
}

std::string format_sockets(std::vector<socket_report> sockets, bool json_out) {
  std::stable_sort(sockets.begin(), sockets.end(),
                   [](auto& a, auto& b) { return a.age_ms > b.age_ms; });
  if (json_out) {
    json j = json::array();
    for (auto& s : sockets) {
      json plugins = json::array();
      for (auto& p : s.plugins)
        plugins.push_back({{"client", p.client}, {"stream", p.stream}});
      j.push_back({{"id", s.id}, {"user", s.user}, {"remote", s.remote},
                   {"plugins", plugins}, {"queued_bytes", s.queued_bytes},
                   {"age_ms", s.age_ms}});
    }
    return dump(j);
  }
  std::vector<std::vector<std::string>> rows{{"ID", "USER", "REMOTE", "PLUGINS", "QUEUED", "AGE"}};
  for (auto& s : sockets)
    rows.push_back({s.id, s.user.empty() ? "-" : s.user, s.remote, plugins_text(s.plugins),
                    std::to_string(s.queued_bytes), human_age(s.age_ms)});
  return text_table(rows) + std::to_string(sockets.size()) + " sockets\n";
}

std::string format_topics(std::vector<topic_report> topics, bool json_out) {
  std::sort(topics.begin(), topics.end(), [](auto& a, auto& b) { return a.key < b.key; });
  if (json_out) {
    json j = json::array();
    for (auto& t : topics)
      j.push_back({{"key", t.key}, {"strategy", t.strategy}, {"members", t.members},
                   {"delivered", t.delivered}});
    return dump(j);
  }
  std::vector<std::vector<std::string>> rows{{"KEY", "STRATEGY", "MEMBERS", "DELIVERED"}};
  for (auto& t : topics)
    rows.push_back({t.key, t.strategy, std::to_string(t.members), std::to_string(t.delivered)});
  return text_table(rows) + std::to_string(topics.size()) + " topics\n";
}

std::string format_config(const std::vector<config_entry>& entries, bool json_out) {
  if (json_out) {
    json j = json::object();
    for (auto& e : entries)
      j[e.key] = {{"value", e.value}, {"origin", e.origin}};
    return dump(j);
  }
  std::vector<std::vector<std::string>> rows{{"OPTION", "VALUE", "ORIGIN"}};
  for (auto& e : entries)
    rows.push_back({e.key, e.value, e.origin});
  return text_table(rows);
}

std::string format_kick(const ctl_request& req, uint64_t closed, bool json_out) {
  if (json_out)
    return dump({{"socket", req.target}, {"closed", closed}});
  if (closed == 0)
    return "no socket " + req.target + " on this node\n";
  return "closed socket " + req.target + " (4000 " + req.reason + ")\n";
}

std::string format_disconnect(const ctl_request& req, uint64_t closed, bool json_out) {
  if (json_out)
    return dump({{"user", req.target}, {"closed", closed}});
  return "closed " + std::to_string(closed) + " sockets of " + req.target
         + " on this node; every other node closes its own\n";
}

std::string format_workers(std::vector<worker_report> workers, bool json_out) {
  std::stable_sort(workers.begin(), workers.end(),
                   [](auto& a, auto& b) { return a.age_ms > b.age_ms; });
  auto hosted_text = [](const std::vector<hosted_count>& hosted) {
    std::string out;
    for (auto& h : hosted)
      out += (out.empty() ? "" : ",") + h.plugin + "=" + std::to_string(h.instances);
    return out.empty() ? std::string{"-"} : out;
  };
  if (json_out) {
    json j = json::array();
    for (auto& w : workers) {
      json hosted = json::object();
      for (auto& h : w.hosted)
        hosted[h.plugin] = h.instances;
      j.push_back({{"name", w.name}, {"node", w.node}, {"load", w.load},
                   {"hosted", hosted}, {"age_ms", w.age_ms}});
    }
    return dump(j);
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "NODE", "LOAD", "HOSTED", "AGE"}};
  for (auto& w : workers)
    rows.push_back({w.name, w.node, std::to_string(w.load), hosted_text(w.hosted),
                    human_age(w.age_ms)});
  return text_table(rows) + std::to_string(workers.size()) + " workers\n";
}

} // namespace sb
