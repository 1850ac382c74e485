// The actor tests' main(): CAF's own test runner, which the deterministic
// fixtures of caf/test/dsl.hpp need (they read its command line).
#define CAF_SUITE main
#include <caf/test/unit_test_impl.hpp>
