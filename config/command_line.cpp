#include "config/command_line.hpp"

#include <string_view>

#include "config/option_table.hpp"

namespace sb {

namespace {

constexpr std::string_view token_flag_names[] = {"sub", "name", "streams", "ttl"};

std::optional<subcommand> command_named(std::string_view word) {
  static constexpr std::pair<std::string_view, subcommand> names[] = {
    {"run", subcommand::run},         {"check-config", subcommand::check_config},
    {"print-config", subcommand::print_config}, {"token", subcommand::token},
    {"version", subcommand::version}, {"help", subcommand::help},
    {"ctl", subcommand::ctl},         {"worker", subcommand::worker}};
  for (auto& [name, cmd] : names)
    if (name == word)
      return cmd;
  return std::nullopt;
}

bool is_token_flag(std::string_view name) {
  for (auto n : token_flag_names)
    if (n == name)
      return true;
  return false;
}

std::string unknown(std::string_view name) {
  auto hint = closest_option(name);
  return "unknown option --" + std::string{name}
         + (hint ? " (did you mean --" + std::string{*hint} + "?)" : "")
         + "; switchboard --help lists every option";
}

class parser {
public:
  parser(int argc, const char* const* argv) : argc_(argc), argv_(argv) {}

  std::variant<command_line, std::string> run() {
    int i = 1;
    if (i < argc_ && argv_[i][0] != '-') {
      auto cmd = command_named(argv_[i]);
      if (!cmd)
        return stray(argv_[i]);
      out_.cmd = *cmd;
      ++i;
      if (out_.cmd == subcommand::ctl) {
        out_.ctl_args.assign(argv_ + i, argv_ + argc_);
        return out_;
      }
    }
    for (; i < argc_; ++i)
      if (auto err = flag(i))
        return *err;
    return out_;
  }

private:
  static std::string stray(std::string_view arg) {
    std::string text = "unexpected argument '" + std::string{arg} + "'";
    if (arg.find('=') != std::string_view::npos)
      text += " (options are written --" + std::string{arg} + ")";
    return text + "; switchboard --help lists the commands and options";
  }

  /// Reads the flag at argv[i]; may consume the next argument as its value.
  std::optional<std::string> flag(int& i) {
    std::string_view arg = argv_[i];
    if (arg == "-h" || arg == "--help" || arg == "--long-help") {
      out_.cmd = subcommand::help;
      return std::nullopt;
    }
    if (arg == "--version" || arg == "-V") {
      out_.cmd = subcommand::version;
      return std::nullopt;
    }
    if (arg == "--dump-config") {
      out_.cmd = subcommand::print_config;
      return std::nullopt;
    }
    if (arg.substr(0, 2) != "--" || arg.size() == 2)
      return stray(arg);
    arg.remove_prefix(2);
    auto eq = arg.find('=');
    auto name = std::string{arg.substr(0, eq)};
    std::optional<std::string> value;
    if (eq != std::string_view::npos)
      value = std::string{arg.substr(eq + 1)};
    auto opt = find_option(name);
    bool join = out_.cmd == subcommand::worker && name == "join";
    bool known = opt != nullptr || name == "config-file" || join
                 || (out_.cmd == subcommand::token && is_token_flag(name));
    if (!known)
      return unknown(name);
    if (!value && opt != nullptr && opt->kind == value_kind::boolean)
      value = "true";
    if (!value) {
      if (i + 1 >= argc_ || std::string_view{argv_[i + 1]}.substr(0, 2) == "--")
        return "option --" + name + " needs a value (--" + name + "=VALUE)";
      value = argv_[++i];
    }
    if (name == "config-file")
      out_.config_file = *value;
    else if (join)
      out_.join = *value;
    else if (opt == nullptr)
      out_.token_flags[name] = *value;
    else
      out_.options.push_back({name, *value});
    return std::nullopt;
  }

  int argc_;
  const char* const* argv_;
  command_line out_;
};

} // namespace

std::variant<command_line, std::string> parse_command_line(int argc, const char* const* argv) {
  return parser{argc, argv}.run();
}

} // namespace sb
