#include "tests/support/admin_pki.hpp"

namespace sb::test {

admin_pki::admin_pki() {
  for (auto* name : {"ca", "node", "ctl", "rogue-ca", "rogue"})
    keys.make_key(name, "P-256");
  ca = keys.make_certificate("ca");
  node = keys.sign_certificate("node", "ca");
  ctl = keys.sign_certificate("ctl", "ca");
  keys.make_certificate("rogue-ca");
  rogue = keys.sign_certificate("rogue", "rogue-ca");
}

std::string admin_pki::key(const std::string& name) const {
  return keys.path() + "/" + name + ".pem";
}

std::vector<std::string> admin_pki::node_args(uint16_t admin_port) const {
  return {"--admin.port=" + std::to_string(admin_port), "--admin.host=0.0.0.0",
          "--admin.certificate=" + node, "--admin.key=" + key("node"), "--admin.ca=" + ca};
}

} // namespace sb::test
