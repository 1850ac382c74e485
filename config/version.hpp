#pragma once
// What this binary is: the project version (CMake's project(VERSION)), the
// `git describe` of the tree it was built from when there was one, and the
// versions of the libraries it was built with. For --version, the
// switchboard_build_info metric and the start-up log.

#include <string>

namespace sb {

/// "0.2.0", from project(VERSION).
const char* project_version();

/// `git describe --always --dirty` at build time, or "" outside a git tree.
const char* git_version();

/// One line per component, for --version.
std::string version_text();

} // namespace sb
