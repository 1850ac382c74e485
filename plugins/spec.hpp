#pragma once
// The `clients` query parameter (PROTOCOL §2): a JSON array of plugin specs.
// The connection actor parses it once per socket; every spec either becomes
// a plugin_spec or a spec_error reported to the client in an error frame.

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/plugin_spec.hpp"

namespace sb {

struct parsed_clients {
  std::vector<plugin_spec> specs;
  std::vector<spec_error> errors;
};

/// Why the socket closes with 1008 before any plugin starts.
struct clients_rejected {
  std::string reason;
};

struct spec_rules {
  size_t max_specs = 32;
  /// Specs already on the socket (a subscribe): they count toward max_specs.
  size_t live = 0;
  /// True for a (name, stream) already on the socket: a duplicate.
  std::function<bool(const std::string&, const std::string&)> taken;
  /// Protocol version 2: a socket may start with no clients at all.
  bool allow_empty = false;
  /// True for a registered plugin name.
  std::function<bool(std::string_view)> known_plugin;
  /// True when the session may attach to the stream (PROTOCOL §6).
  std::function<bool(std::string_view)> permitted = [](std::string_view) { return true; };
};

/// A checked entry of a `clients` array: a spec, or why it cannot start.
using spec_check = std::variant<plugin_spec, spec_error>;

/// Checks each entry of `entries` (a JSON array of objects) in order, with
/// exactly the rules of the handshake: the same checks for a subscribe.
std::vector<spec_check> check_specs(const nlohmann::json& entries, const spec_rules& rules);

/// Parses the raw (already URL-decoded) `clients` value; nullopt = missing.
std::variant<parsed_clients, clients_rejected>
parse_clients(const std::optional<std::string>& value, const spec_rules& rules);

} // namespace sb
