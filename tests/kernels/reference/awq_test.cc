// Tests of AWQ int4 packing (nibble order as AutoAWQ packs and vLLM unpacks), quantisation error,
// fp16 scales, and the packed slices tensor-parallel loading cuts.
#include "kernels/reference/awq.h"

#include <cmath>
#include <cstdint>
#include <random>

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

IntMatrix RandomCodes(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(0, kAwqMaxQuant);
  IntMatrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(gen);
  return m;
}

TEST(AwqPackTest, NibbleIHoldsColumnOrderI) {
  IntMatrix v(2, 8);
  v << 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15;
  auto packed = PackAwqInt4(v);
  ASSERT_TRUE(packed.ok());
  ASSERT_EQ(packed->cols(), 1);
  // Nibbles from low to high hold columns 0, 2, 4, 6, 1, 3, 5, 7.
  EXPECT_EQ(static_cast<std::uint32_t>((*packed)(0, 0)), 0x75316420u);
  EXPECT_EQ(static_cast<std::uint32_t>((*packed)(1, 0)), 0xFDB9ECA8u);  // negative as int32
  EXPECT_EQ(UnpackAwqInt4(*packed), v);
}

TEST(AwqPackTest, UnpackAgreesWithVllmsReverseOrderShifts) {
  // vLLM awq_triton.py: column j of a word is (word >> 4 * [0, 4, 1, 5, 2, 6, 3, 7][j]) & 0xF.
  constexpr int kReverse[8] = {0, 4, 1, 5, 2, 6, 3, 7};
  std::mt19937 gen(3);
  IntMatrix words(4, 3);
  for (Eigen::Index i = 0; i < words.size(); ++i) {
    words.data()[i] = static_cast<std::int32_t>(gen());
  }
  const IntMatrix values = UnpackAwqInt4(words);
  for (Eigen::Index r = 0; r < words.rows(); ++r) {
    for (Eigen::Index c = 0; c < words.cols(); ++c) {
      const auto word = static_cast<std::uint32_t>(words(r, c));
      for (int j = 0; j < 8; ++j) {
        EXPECT_EQ(values(r, 8 * c + j), static_cast<int>((word >> (4 * kReverse[j])) & 0xFu));
      }
    }
  }
  // Every bit pattern survives unpack-then-pack.
  auto repacked = PackAwqInt4(values);
  ASSERT_TRUE(repacked.ok());
  EXPECT_EQ(*repacked, words);
}

TEST(AwqPackTest, PackUnpackRoundTripIsExact) {
  const IntMatrix v = RandomCodes(16, 64, 9);
  auto packed = PackAwqInt4(v);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(packed->rows(), 16);
  EXPECT_EQ(packed->cols(), 8);
  EXPECT_EQ(UnpackAwqInt4(*packed), v);
}

TEST(AwqPackTest, RejectsNonNibblesAndRaggedColumns) {
  IntMatrix v = IntMatrix::Zero(1, 8);
  v(0, 3) = 16;
  EXPECT_EQ(PackAwqInt4(v).status().code(), Status::Code::kInvalidArgument);
  v(0, 3) = -1;
  EXPECT_EQ(PackAwqInt4(v).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(PackAwqInt4(IntMatrix::Zero(1, 12)).status().code(), Status::Code::kInvalidArgument);
}

TEST(AwqQuantTest, RoundUpToFp16GivesTheNextHalfPrecisionValue) {
  EXPECT_EQ(RoundUpToFp16(1.0f), 1.0f);
  EXPECT_EQ(RoundUpToFp16(1.0f + std::ldexp(1.0f, -12)), 1.0f + std::ldexp(1.0f, -10));
  const float s = RoundUpToFp16(0.1f);
  EXPECT_GE(s, 0.1f);
  EXPECT_LT(s - std::ldexp(1.0f, -14), 0.1f);  // fp16 spacing in [2^-4, 2^-3) is 2^-14
  EXPECT_EQ(std::fmod(s, std::ldexp(1.0f, -14)), 0.0f);
  const float tiny = RoundUpToFp16(1e-7f);  // fp16 subnormal range
  EXPECT_EQ(tiny, std::ldexp(2.0f, -24));
}

TEST(AwqQuantTest, DequantisationErrorIsAtMostHalfAScale) {
  const int g = 16;
  Matrix w = testing::RandomActivations(64, 32, 21) * 0.2f;
  w.block(16, 8, 16, 1) = w.block(16, 8, 16, 1).cwiseAbs();  // one all-positive group
  auto q = QuantizeAwq(w, g);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  ASSERT_EQ(q->qweight.rows(), 64);
  ASSERT_EQ(q->qweight.cols(), 4);
  ASSERT_EQ(q->qzeros.rows(), 4);
  ASSERT_EQ(q->scales.rows(), 4);
  ASSERT_EQ(q->scales.cols(), 32);
  const Matrix d = DequantizeAwq(*q);
  const IntMatrix zeros = UnpackAwqInt4(q->qzeros);
  float worst_ratio = 0.0f;
  for (Eigen::Index k = 0; k < w.rows(); ++k) {
    for (Eigen::Index n = 0; n < w.cols(); ++n) {
      const float s = q->scales(k / g, n);
      ASSERT_EQ(RoundUpToFp16(s), s) << "scale not an fp16 value";
      const float err = std::abs(d(k, n) - w(k, n));
      EXPECT_LE(err, 0.5f * s * (1.0f + 1e-5f)) << k << "," << n;
      worst_ratio = std::max(worst_ratio, err / s);
    }
  }
  EXPECT_GT(worst_ratio, 0.1f);  // quantisation is lossy: the bound is tested, not vacuous
  EXPECT_GE(zeros.minCoeff(), 0);
  EXPECT_LE(zeros.maxCoeff(), kAwqMaxQuant);
}

TEST(AwqQuantTest, RejectsShapesThatCannotBeGroupedOrPacked) {
  EXPECT_EQ(QuantizeAwq(Matrix::Zero(24, 16), 16).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(QuantizeAwq(Matrix::Zero(32, 12), 16).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(QuantizeAwq(Matrix::Zero(32, 16), 0).status().code(), Status::Code::kInvalidArgument);
}

TEST(AwqQuantTest, PackedSlicesDequantiseToTheSameSlice) {
  const int g = 16;
  auto q = QuantizeAwq(testing::RandomActivations(64, 48, 5), g);
  ASSERT_TRUE(q.ok());
  const Matrix full = DequantizeAwq(*q);
  auto cols = AwqColumnSlice(*q, 16, 24);
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(DequantizeAwq(*cols), Matrix(full.middleCols(16, 24)));
  auto rows = AwqRowSlice(*q, 32, 32);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(DequantizeAwq(*rows), Matrix(full.middleRows(32, 32)));
  auto left = AwqColumnSlice(*q, 0, 16);
  auto right = AwqColumnSlice(*q, 16, 32);
  ASSERT_TRUE(left.ok() && right.ok());
  auto joined = AwqConcatColumns({*left, *right});
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->qweight, q->qweight);
  EXPECT_EQ(joined->qzeros, q->qzeros);
  EXPECT_EQ(joined->scales, q->scales);
}

TEST(AwqQuantTest, MisalignedSlicesGiveVllmsMessages) {
  auto q = QuantizeAwq(testing::RandomActivations(64, 48, 5), 16);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(AwqRowSlice(*q, 0, 24).status().message(),
            "The input size is not aligned with the quantized weight shape. This can be caused by "
            "too large tensor parallel size.");
  EXPECT_EQ(AwqColumnSlice(*q, 0, 12).status().message(),
            "The output size is not aligned with the quantized weight shape. This can be caused "
            "by too large tensor parallel size.");
  EXPECT_EQ(AwqColumnSlice(*q, 40, 16).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tpsim::ref
