// Fuzzes the `clients` query parameter (plugins/spec, PROTOCOL §2) on its
// way in: URL-decoded by net/query, parsed as JSON with the depth guard of
// actors/envelope, each spec checked against the registered plugins and
// the stream permissions of a token (actors/auth glob patterns). The first
// input byte says whether the rest is the raw query string (URL-encoded) or
// the JSON already decoded. Checked beyond "no crash, no leak": every
// accepted spec is valid (known plugin, valid stream name, permitted,
// `since` only with `streams`, no duplicate, no more than the limit), and
// every error frame the connection would send is valid JSON.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <variant>

#include "fuzz/check.hpp"
#include "net/auth.hpp"
#include "core/envelope.hpp"
#include "net/query.hpp"
#include "plugins/spec.hpp"

using sb::fuzz::check;

namespace {

using namespace sb;

bool known(std::string_view name) {
  return name == "chat" || name == "presence" || name == "notifications";
}

void check_parsed(const parsed_clients& p, const spec_rules& rules,
                  const std::vector<std::string>& patterns) {
  check(p.specs.size() + rules.live <= rules.max_specs);
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& s : p.specs) {
    check(known(s.name) && valid_stream_name(s.stream) && permitted(patterns, s.stream));
    check(!rules.taken || !rules.taken(s.name, s.stream));
    check(!s.since || s.strategy == strategy::streams);
    check(seen.emplace(s.name, s.stream).second);
  }
  for (auto& e : p.errors) {
    auto frame = error_frame(e.code, e.message, nullptr, e.name, e.stream);
    check(nlohmann::json::accept(frame));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  std::string_view rest{reinterpret_cast<const char*>(data + 1), size - 1};
  std::optional<std::string> value;
  if (data[0] & 1) {
    value = query_param("/ws?" + std::string{rest}, "clients");
  } else {
    value = std::string{rest};
  }
  static const std::vector<std::string> patterns{"stream:1*", "user:u42", "room:?:*"};
  spec_rules rules;
  rules.max_specs = data[0] & 2 ? 32 : 3;
  rules.known_plugin = known;
  // The same checks guard a subscribe on an open socket (protocol version
  // 2): specs already there count toward the limit and may not come twice.
  if (data[0] & 4) {
    rules.allow_empty = true;
    rules.live = 1;
    rules.taken = [](const std::string& name, const std::string& stream) {
      return name == "chat" && stream == "stream:1";
    };
  }
  rules.permitted = [](std::string_view s) { return permitted(patterns, s); };
  auto result = parse_clients(value, rules);
  if (auto p = std::get_if<parsed_clients>(&result))
    check_parsed(*p, rules, patterns);
  else
    check(!rules.allow_empty || (value && !value->empty()));
  if (auto r = std::get_if<clients_rejected>(&result))
    check(!r->reason.empty());
  return 0;
}
