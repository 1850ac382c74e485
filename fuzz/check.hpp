#pragma once
// The fuzz targets' own assertion: a property that does not hold aborts,
// which libFuzzer reports as a crash and saves the input, like any other.

#include <cstdlib>

namespace sb::fuzz {

inline void check(bool holds) {
  if (!holds)
    std::abort();
}

} // namespace sb::fuzz
