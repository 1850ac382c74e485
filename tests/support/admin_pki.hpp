#pragma once
// Certificates for TLS on the admin port, made by the test in a temporary
// folder (openssl, through key_folder): a CA, a node and a peer it signed
// (ctl or a worker), and a stranger: a CA of its own and a peer that one
// signed.

#include "tests/support/jwt_maker.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sb::test {

struct admin_pki {
  admin_pki();
  /// The key file of `name`.
  std::string key(const std::string& name) const;
  /// A node's flags for TLS on `admin_port`, on every address.
  std::vector<std::string> node_args(uint16_t admin_port) const;

  key_folder keys;
  std::string ca, node, ctl, rogue; ///< certificate files
};

} // namespace sb::test
