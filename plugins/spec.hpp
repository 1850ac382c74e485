#pragma once
// The `clients` query parameter (PROTOCOL §2): a JSON array of plugin specs.
// The connection actor parses it once per socket; every spec either becomes
// a plugin_spec or a spec_error reported to the client in an error frame.

#include <functional>
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
  /// True for a registered plugin name.
  std::function<bool(std::string_view)> known_plugin;
  /// True when the session may attach to the stream (PROTOCOL §6).
  std::function<bool(std::string_view)> permitted = [](std::string_view) { return true; };
};

/// Parses the raw (already URL-decoded) `clients` value; nullopt = missing.
std::variant<parsed_clients, clients_rejected>
parse_clients(const std::optional<std::string>& value, const spec_rules& rules);

} // namespace sb
