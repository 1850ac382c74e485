#pragma once
// What a client asks for (PROTOCOL §1-§2): a plugin on a stream with a
// strategy, and where a plugin's key lives. Carried from the parser of
// `clients` (plugins/spec) to the connection and into every plugin's
// context, on this node or another, so it is serializable.

#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/stream_id.hpp"

namespace sb {

enum class strategy : uint8_t { pub_sub, streams };

std::string_view to_string(strategy x);

/// PROTOCOL §1: `[A-Za-z0-9_.:-]`, 1..200 characters.
bool valid_stream_name(std::string_view name);

/// A name a custom plugin may take (configured or loaded): `[a-z][a-z0-9_]*`,
/// at most 32 characters, so that it maps to one environment variable
/// name (SWITCHBOARD_PLUGINS_<NAME>_...) and back.
bool valid_plugin_name(std::string_view name);

/// A client event a custom plugin may list: `[A-Za-z0-9_.:-]`, 1..64.
bool valid_event_name(std::string_view name);

/// The Redis key / channel of a plugin on a stream: `<stream>:<plugin>`.
inline std::string make_key(std::string_view stream, std::string_view plugin) {
  std::string key;
  key.reserve(stream.size() + plugin.size() + 1);
  key.append(stream).append(":").append(plugin);
  return key;
}

struct plugin_spec {
  std::string name;
  std::string stream;
  sb::strategy strategy = strategy::pub_sub;
  caf::optional<stream_id> since; ///< caf's optional: it serializes
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_spec& x) {
  return f(caf::meta::type_name("plugin_spec"), x.name, x.stream, x.strategy, x.since);
}

/// A spec that could not start; `name` and `stream` echo what the client
/// sent when it sent strings there.
struct spec_error {
  std::optional<std::string> name;
  std::optional<std::string> stream;
  ec code;
  std::string message;
};

} // namespace sb
