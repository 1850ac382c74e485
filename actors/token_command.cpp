#include "actors/token_command.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "net/auth.hpp"
#include "config/value_parser.hpp"

namespace sb {

namespace {

std::string flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback = {}) {
  auto i = flags.find(name);
  return i == flags.end() ? fallback : i->second;
}

} // namespace

int mint_token(const std::map<std::string, std::string>& flags, const settings& s,
               std::ostream& out, std::ostream& err) {
  auto sub = flag(flags, "sub");
  if (sub.empty()) {
    err << "switchboard: token needs --sub USER_ID\n";
    return 2;
  }
  if (s.auth.secret.empty()) {
    err << "switchboard: token needs auth.secret (--auth.secret, SWITCHBOARD_AUTH_SECRET, "
           "auth.secret-file or the INI file)\n";
    return 2;
  }
  auto ttl_text = flag(flags, "ttl", "1h");
  auto ttl = parse_duration(ttl_text);
  if (!ttl || ttl->count() <= 0) {
    err << "switchboard: --ttl must be a duration such as 1h or 15min, got \"" << ttl_text
        << "\"\n";
    return 2;
  }
  using namespace std::chrono;
  auto now = duration_cast<seconds>(system_clock::now().time_since_epoch());
  nlohmann::json claims = {{"sub", sub},
                           {"iat", now.count()},
                           {"exp", (now + duration_cast<seconds>(*ttl)).count()},
                           {"streams", split_list(flag(flags, "streams"))}};
  if (auto name = flag(flags, "name"); !name.empty())
    claims["name"] = name;
  if (!s.auth.issuer.empty())
    claims["iss"] = s.auth.issuer;
  if (!s.auth.audience.empty())
    claims["aud"] = s.auth.audience;
  out << sign_token(claims.dump(), s.auth.secret) << '\n';
  return 0;
}

} // namespace sb
