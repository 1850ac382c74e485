#pragma once
// Builders and predicates for protocol frames (PROTOCOL.md §2-§3), shared by
// the integration tests so each test reads as the exchange it checks.

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sb::test {

using nlohmann::json;

/// A plugin spec for `clients=`; empty strategy/since are left out.
json chat_spec(const std::string& stream, const std::string& strategy = {},
               const std::string& since = {});
/// A presence plugin spec for `clients=`.
json presence_spec(const std::string& stream);
/// A chat `send` command; an empty ref is left out.
json send_command(const std::string& stream, const std::string& text,
                  const std::string& ref = {});

/// An event frame `event` of the chat client (on `stream` when given).
bool is_event(const json& frame, const std::string& event, const std::string& stream = {},
              const std::string& client = "chat");
bool is_ack(const json& frame, const std::string& ref);
/// An `error` reply carrying `ref`.
bool is_error(const json& frame, const std::string& ref);
/// The frames among `frames` that are chat event `event`.
std::vector<json> events(const std::vector<json>& frames, const std::string& event);

/// A stream name unique to the running test, valid per PROTOCOL §1.
std::string test_stream(const std::string& suffix = {});
/// Orders Redis stream ids `<ms>-<seq>` numerically.
bool id_less(const std::string& a, const std::string& b);

} // namespace sb::test
