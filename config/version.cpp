#include "config/version.hpp"

#include <boost/version.hpp>
#include <caf/config.hpp>
#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "switchboard_git_version.hpp" // generated each build: SWITCHBOARD_GIT_VERSION

#ifndef SWITCHBOARD_VERSION
#error "SWITCHBOARD_VERSION must be defined by the build"
#endif
#ifndef SWITCHBOARD_LIBJWT_VERSION
#define SWITCHBOARD_LIBJWT_VERSION "unknown"
#endif

namespace sb {

const char* project_version() {
  return SWITCHBOARD_VERSION;
}

const char* git_version() {
  return SWITCHBOARD_GIT_VERSION;
}

std::string version_text() {
  auto dotted = [](int major, int minor, int patch) {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  };
  std::string out = "switchboard " + std::string{project_version()};
  if (*git_version() != '\0')
    out += " (git " + std::string{git_version()} + ")";
  out += "\nCAF " + dotted(CAF_VERSION / 10000, CAF_VERSION / 100 % 100, CAF_VERSION % 100);
  out += "\nBoost " + dotted(BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000,
                             BOOST_VERSION % 100);
  out += "\nhiredis " + dotted(HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
  out += "\n" + std::string{OpenSSL_version(OPENSSL_VERSION)};
  out += "\nlibjwt " SWITCHBOARD_LIBJWT_VERSION "\n";
  return out;
}

} // namespace sb
