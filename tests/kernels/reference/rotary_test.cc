// Tests of the neox rotary embedding: the cache values, the rotate-halves layout, pass-through of
// non-rotary elements, and the relative-position property attention relies on.
#include "kernels/reference/rotary.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

TEST(RefRotaryTest, CacheHoldsCosThenSinOfPositionTimesInverseFrequency) {
  const int rd = 16;
  const double theta = testing::kRopeTheta;
  const Matrix cache = BuildCosSinCache(rd, 32, theta);
  ASSERT_EQ(cache.rows(), 32);
  ASSERT_EQ(cache.cols(), rd);
  for (int p : {0, 1, 7, 31}) {
    for (int i = 0; i < rd / 2; ++i) {
      const double angle = p * std::pow(theta, -2.0 * i / rd);
      EXPECT_NEAR(cache(p, i), std::cos(angle), 2e-5) << p << "," << i;
      EXPECT_NEAR(cache(p, rd / 2 + i), std::sin(angle), 2e-5) << p << "," << i;
    }
  }
}

TEST(RefRotaryTest, NeoxStyleRotatesElementIWithElementIPlusHalf) {
  const Matrix cache = BuildCosSinCache(4, 4, 10000.0);
  Matrix x(1, 4);
  x << 1.0f, 0.0f, 0.0f, 0.0f;
  ApplyNeoxRotary({1}, cache, 4, &x);
  // Pair (0, 2) turns by angle 1 * inv_freq[0] = 1 rad; GPT-J style would have touched element 1.
  EXPECT_NEAR(x(0, 0), std::cos(1.0f), 1e-6f);
  EXPECT_NEAR(x(0, 2), std::sin(1.0f), 1e-6f);
  EXPECT_FLOAT_EQ(x(0, 1), 0.0f);
  EXPECT_FLOAT_EQ(x(0, 3), 0.0f);
}

TEST(RefRotaryTest, PositionZeroIsIdentityAndRotationKeepsPairNorms) {
  const int hd = 16;
  const Matrix cache = BuildCosSinCache(hd, 16, testing::kRopeTheta);
  const Matrix x = testing::RandomActivations(2, 2 * hd, 5);
  Matrix y = x;
  ApplyNeoxRotary({0, 9}, cache, hd, &y);
  EXPECT_LT(MaxAbsDiff(y.row(0), x.row(0)), 1e-7f);
  EXPECT_GT(MaxAbsDiff(y.row(1), x.row(1)), 1e-3f);
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < hd / 2; ++i) {
      const int a = h * hd + i;
      const int b = a + hd / 2;
      EXPECT_NEAR(std::hypot(y(1, a), y(1, b)), std::hypot(x(1, a), x(1, b)), 1e-5f);
    }
  }
}

TEST(RefRotaryTest, PartialRotaryLeavesTheTailUntouched) {
  const int hd = 8;
  const Matrix cache = BuildCosSinCache(4, 16, 10000.0);  // rotary_dim 4 < head_dim 8
  const Matrix x = testing::RandomActivations(1, hd, 6);
  Matrix y = x;
  ApplyNeoxRotary({3}, cache, hd, &y);
  EXPECT_LT(MaxAbsDiff(y.rightCols(4), x.rightCols(4)), 1e-7f);
  EXPECT_GT(MaxAbsDiff(y.leftCols(4), x.leftCols(4)), 1e-3f);
}

TEST(RefRotaryTest, QueryKeyDotDependsOnlyOnRelativePosition) {
  const int hd = 16;
  const Matrix cache = BuildCosSinCache(hd, 32, testing::kRopeTheta);
  const Matrix q = testing::RandomActivations(1, hd, 7);
  const Matrix k = testing::RandomActivations(1, hd, 8);
  auto dot_at = [&](int pq, int pk) {
    Matrix qr = q;
    Matrix kr = k;
    ApplyNeoxRotary({pq}, cache, hd, &qr);
    ApplyNeoxRotary({pk}, cache, hd, &kr);
    return qr.row(0).dot(kr.row(0));
  };
  EXPECT_NEAR(dot_at(5, 3), dot_at(12, 10), 1e-5f);
  EXPECT_GT(std::abs(dot_at(5, 3) - dot_at(5, 4)), 1e-4f);
}

}  // namespace
}  // namespace tpsim::ref
