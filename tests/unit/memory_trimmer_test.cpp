// The memory trimmer's rule: trim after enough closes, never on steady load.

#include <gtest/gtest.h>

#include "actors/memory_trimmer.hpp"

namespace sb {
namespace {

TEST(memory_trimmer_test, SteadyLoadWithoutClosesNeverTrims) {
  EXPECT_FALSE(trim_is_due(0, 0));
  EXPECT_FALSE(trim_is_due(0, 15000));
}

TEST(memory_trimmer_test, AThousandClosesTrimASmallNode) {
  EXPECT_FALSE(trim_is_due(999, 10));
  EXPECT_TRUE(trim_is_due(1000, 10));
  EXPECT_TRUE(trim_is_due(100000, 0));
}

TEST(memory_trimmer_test, ABigNodeWaitsForAQuarterOfItsSockets) {
  EXPECT_FALSE(trim_is_due(1000, 40000));
  EXPECT_FALSE(trim_is_due(9999, 40000));
  EXPECT_TRUE(trim_is_due(10000, 40000));
}

} // namespace
} // namespace sb
