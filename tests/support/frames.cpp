#include "tests/support/frames.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace sb::test {

json presence_spec(const std::string& stream) {
  return {{"name", "presence"}, {"stream", stream}};
}

json chat_spec(const std::string& stream, const std::string& strategy, const std::string& since) {
  json spec{{"name", "chat"}, {"stream", stream}};
  if (!strategy.empty()) spec["strategy"] = strategy;
  if (!since.empty()) spec["since"] = since;
  return spec;
}

json send_command(const std::string& stream, const std::string& text, const std::string& ref) {
  json cmd{{"client", "chat"}, {"stream", stream}, {"event", "send"}, {"data", {{"text", text}}}};
  if (!ref.empty()) cmd["ref"] = ref;
  return cmd;
}

namespace {

// The string at `key`, or "" when absent or not a string.
std::string field(const json& frame, const char* key) {
  if (!frame.is_object()) return {};
  auto it = frame.find(key);
  return it != frame.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

} // namespace

bool is_event(const json& frame, const std::string& event, const std::string& stream,
              const std::string& client) {
  return field(frame, "client") == client && field(frame, "event") == event
         && (stream.empty() || field(frame, "stream") == stream);
}

bool is_ack(const json& frame, const std::string& ref) {
  return field(frame, "type") == "ack" && field(frame, "ref") == ref;
}

bool is_error(const json& frame, const std::string& ref) {
  return field(frame, "type") == "error" && field(frame, "ref") == ref;
}

std::vector<json> events(const std::vector<json>& frames, const std::string& event) {
  std::vector<json> out;
  for (const auto& f : frames)
    if (is_event(f, event)) out.push_back(f);
  return out;
}

std::string test_stream(const std::string& suffix) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "t:";
  if (info) name += std::string(info->test_suite_name()) + "." + info->name();
  name += "." + std::to_string(counter++);
  if (!suffix.empty()) name += "." + suffix;
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != ':'
        && c != '-')
      c = '_';
  return name;
}

namespace {

std::pair<uint64_t, uint64_t> split_id(const std::string& id) {
  auto dash = id.find('-');
  if (dash == std::string::npos) throw std::invalid_argument("not a stream id: " + id);
  return {std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1))};
}

} // namespace

bool id_less(const std::string& a, const std::string& b) {
  return split_id(a) < split_id(b);
}

} // namespace sb::test
