// The host-side binary16 conversions of kernels/cuda/half.h (plain C++, built without CUDA too):
// exact round trips, round-to-nearest-even at every rounding boundary, subnormals, overflow, NaN.
#include "kernels/cuda/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace tpsim::gpu {
namespace {

float FromBits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

TEST(HalfTest, EveryHalfRoundTripsThroughFloat) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const float f = HalfBitsToFloat(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_EQ(h & 0x7c00u, 0x7c00u);
      EXPECT_NE(h & 0x3ffu, 0u);
      continue;
    }
    ASSERT_EQ(FloatToHalfBits(f), h) << std::hex << h;
  }
}

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(FloatToHalfBits(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalfBits(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalfBits(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalfBits(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalfBits(-0.0f), 0x8000);
  EXPECT_EQ(HalfBitsToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(HalfBitsToFloat(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(FloatToHalfBits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(HalfBitsToFloat(FloatToHalfBits(std::numeric_limits<float>::quiet_NaN()))));
}

// Midpoints between neighbouring halves round to the even one; a hair above rounds up.
TEST(HalfTest, MidpointsRoundToEven) {
  for (std::uint32_t h = 0; h < 0x7bff; ++h) {
    const double lo = HalfBitsToFloat(static_cast<std::uint16_t>(h));
    const double hi = HalfBitsToFloat(static_cast<std::uint16_t>(h + 1));
    const float mid = static_cast<float>((lo + hi) / 2);  // exact in float
    const std::uint16_t even = (h % 2 == 0) ? h : h + 1;
    ASSERT_EQ(FloatToHalfBits(mid), even) << std::hex << h;
    std::uint32_t bits;
    std::memcpy(&bits, &mid, sizeof(bits));
    ASSERT_EQ(FloatToHalfBits(FromBits(bits + 1)), h + 1) << std::hex << h;
    ASSERT_EQ(FloatToHalfBits(FromBits(bits - 1)), h) << std::hex << h;
  }
}

TEST(HalfTest, OverflowAndUnderflow) {
  EXPECT_EQ(FloatToHalfBits(65519.99f), 0x7bff);
  EXPECT_EQ(FloatToHalfBits(65520.0f), 0x7c00);  // the midpoint to 2^16 rounds to infinity
  EXPECT_EQ(FloatToHalfBits(-1e10f), 0xfc00);
  EXPECT_EQ(FloatToHalfBits(std::ldexp(1.0f, -25)), 0x0000);          // half of the smallest: to even 0
  EXPECT_EQ(FloatToHalfBits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(FloatToHalfBits(std::ldexp(1.0f, -26)), 0x0000);
}

TEST(HalfTest, RoundToHalfIsIdempotent) {
  for (float f : {0.1f, 3.14159f, -1234.5678f, 1e-6f}) {
    EXPECT_EQ(RoundToHalf(RoundToHalf(f)), RoundToHalf(f));
    EXPECT_LE(std::fabs(RoundToHalf(f) - f), std::fabs(f) * std::ldexp(1.0f, -11) + std::ldexp(1.0f, -25));
  }
}

}  // namespace
}  // namespace tpsim::gpu
