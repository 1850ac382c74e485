#include "core/error.hpp"

#include <caf/sec.hpp>

namespace sb {

namespace {

constexpr auto category = caf::atom("sb");

} // namespace

caf::error make_error(ec code) {
  return caf::error{static_cast<uint8_t>(code), category};
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
