// The router follows vLLM's fused_topk: softmax, the k largest first, lower index on ties,
// renormalisation only when asked.
#include "kernels/reference/moe_router.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

TEST(MoeRouterTest, PicksTheLargestProbabilitiesLargestFirst) {
  // probs = (1, 2, 4) / 7 for expert 0, 1, 2 (logit differences ln 2).
  Matrix logits(1, 3);
  logits << 0.0f, std::log(2.0f), std::log(4.0f);
  const MoeRouting raw = SoftmaxTopK(logits, 2, /*renormalize=*/false);
  EXPECT_EQ(raw.expert_ids(0, 0), 2);
  EXPECT_EQ(raw.expert_ids(0, 1), 1);
  EXPECT_NEAR(raw.weights(0, 0), 4.0f / 7.0f, 1e-6f);
  EXPECT_NEAR(raw.weights(0, 1), 2.0f / 7.0f, 1e-6f);
  const MoeRouting renorm = SoftmaxTopK(logits, 2, /*renormalize=*/true);
  EXPECT_NEAR(renorm.weights(0, 0), 2.0f / 3.0f, 1e-6f);
  EXPECT_NEAR(renorm.weights(0, 1), 1.0f / 3.0f, 1e-6f);
}

TEST(MoeRouterTest, EqualProbabilitiesGoToTheLowerExpertIndex) {
  Matrix logits(1, 4);
  logits << 1.0f, 3.0f, 1.0f, 3.0f;
  const MoeRouting r = SoftmaxTopK(logits, 3, true);
  EXPECT_EQ(r.expert_ids(0, 0), 1);
  EXPECT_EQ(r.expert_ids(0, 1), 3);
  EXPECT_EQ(r.expert_ids(0, 2), 0);
}

TEST(MoeRouterTest, RowsAreIndependentAndWeightsSumAsDocumented) {
  const Matrix logits = testing::RandomActivations(9, 16, 3) * 4.0f;
  const MoeRouting norm = SoftmaxTopK(logits, 4, true);
  const MoeRouting raw = SoftmaxTopK(logits, 4, false);
  const Matrix probs = RowSoftmax(logits);
  for (Eigen::Index t = 0; t < logits.rows(); ++t) {
    EXPECT_NEAR(probs.row(t).sum(), 1.0f, 1e-5f);
    EXPECT_NEAR(norm.weights.row(t).sum(), 1.0f, 1e-5f);
    EXPECT_LT(raw.weights.row(t).sum(), 1.0f);
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(norm.expert_ids(t, j), raw.expert_ids(t, j));
      EXPECT_FLOAT_EQ(raw.weights(t, j), probs(t, raw.expert_ids(t, j)));
      if (j > 0) {
        EXPECT_GE(raw.weights(t, j - 1), raw.weights(t, j));
      }
    }
    // Nothing left out is larger than the smallest chosen probability.
    for (Eigen::Index e = 0; e < logits.cols(); ++e) {
      bool chosen = false;
      for (int j = 0; j < 4; ++j) chosen |= raw.expert_ids(t, j) == e;
      if (!chosen) {
        EXPECT_LE(probs(t, e), raw.weights(t, 3));
      }
    }
  }
}

TEST(MoeRouterTest, SoftmaxIsShiftInvariantAndStableForLargeLogits) {
  Matrix logits(1, 3);
  logits << 1000.0f, 1001.0f, 999.0f;
  const Matrix p = RowSoftmax(logits);
  EXPECT_TRUE(p.allFinite());
  Matrix shifted(1, 3);
  shifted << 0.0f, 1.0f, -1.0f;
  EXPECT_LT(MaxAbsDiff(p, RowSoftmax(shifted)), 1e-6f);
}

}  // namespace
}  // namespace tpsim::ref
