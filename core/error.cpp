#include "core/error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace sb {

namespace {

constexpr auto category = caf::atom("sb");

} // namespace

caf::error make_error(ec code) {
  return caf::error{static_cast<uint8_t>(code), category};
}

caf::error make_error(ec code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category, caf::make_message(std::move(message))};
}

std::string error_message(const caf::error& err) {
  auto& ctx = err.context();
  if (err.category() == category && ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return {};
}

ec to_ec(const caf::error& err) {
  if (err.category() == category)
    return static_cast<ec>(err.code());
  if (err.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(err.code());
    if (code == caf::sec::request_timeout || code == caf::sec::request_receiver_down)
      return ec::unavailable;
  }
  return ec::internal;
}

} // namespace sb
