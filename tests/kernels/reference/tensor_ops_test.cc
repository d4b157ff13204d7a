// Tests of the row-wise reference kernels against their formulas written out element by element.
#include "kernels/reference/tensor_ops.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

TEST(RefTensorOpsTest, RmsNormMatchesTheFormula) {
  Matrix x(2, 2);
  x << 3.0f, 4.0f, -1.0f, 0.5f;
  Vector w(2);
  w << 1.0f, 2.0f;
  const float eps = 1e-6f;
  const Matrix y = RmsNorm(x, w, eps);
  for (int t = 0; t < 2; ++t) {
    const float rms = std::sqrt((x(t, 0) * x(t, 0) + x(t, 1) * x(t, 1)) / 2.0f + eps);
    EXPECT_NEAR(y(t, 0), x(t, 0) / rms * 1.0f, 1e-6f);
    EXPECT_NEAR(y(t, 1), x(t, 1) / rms * 2.0f, 1e-6f);
  }
}

TEST(RefTensorOpsTest, PerHeadRmsNormNormalisesEachHeadOnItsOwn) {
  const int hd = 4;
  const Matrix x = testing::RandomActivations(3, 3 * hd, 11);
  const Matrix wm = testing::RandomActivations(1, hd, 12);
  const Vector w = wm.row(0).transpose();
  const Matrix y = PerHeadRmsNorm(x, hd, w, 1e-6f);
  for (int h = 0; h < 3; ++h) {
    const Matrix head = x.middleCols(h * hd, hd);
    EXPECT_LT(MaxAbsDiff(y.middleCols(h * hd, hd), RmsNorm(head, w, 1e-6f)), 1e-6f) << "head " << h;
  }
  // Not the same as normalising the whole row: heads of different scale stay distinct.
  EXPECT_GT(MaxAbsDiff(y.leftCols(hd), RmsNorm(x, Vector::Ones(3 * hd), 1e-6f).leftCols(hd)),
            1e-3f);
}

TEST(RefTensorOpsTest, LinearIsXTimesWeightTransposed) {
  const Matrix x = testing::RandomActivations(2, 3, 1);
  const Matrix w = testing::RandomActivations(4, 3, 2);  // [out=4, in=3]
  const Matrix y = Linear(x, w);
  ASSERT_EQ(y.rows(), 2);
  ASSERT_EQ(y.cols(), 4);
  for (int t = 0; t < 2; ++t) {
    for (int o = 0; o < 4; ++o) {
      float want = 0.0f;
      for (int i = 0; i < 3; ++i) want += x(t, i) * w(o, i);
      EXPECT_NEAR(y(t, o), want, 1e-6f);
    }
  }
}

TEST(RefTensorOpsTest, SiluAndMulTakesGateFromTheFirstHalf) {
  Matrix gate_up(1, 4);
  gate_up << 0.0f, 2.0f, 5.0f, 3.0f;  // gate = [0, 2], up = [5, 3]
  const Matrix y = SiluAndMul(gate_up);
  ASSERT_EQ(y.cols(), 2);
  EXPECT_FLOAT_EQ(y(0, 0), 0.0f);  // silu(0) = 0
  EXPECT_NEAR(y(0, 1), 2.0f / (1.0f + std::exp(-2.0f)) * 3.0f, 1e-6f);
}

}  // namespace
}  // namespace tpsim::ref
