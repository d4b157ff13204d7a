// Tests of causal grouped-query attention: the kv-head grouping, causality, and softmax averaging.
#include "kernels/reference/attention.h"

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

constexpr int kHd = 8;

// k / v with n_kv heads expanded to n_q heads the way HF's repeat_kv does.
Matrix RepeatKv(const Matrix& kv, int n_q, int n_kv) {
  Matrix out(kv.rows(), n_q * kHd);
  for (int h = 0; h < n_q; ++h) {
    out.middleCols(h * kHd, kHd) = kv.middleCols(h / (n_q / n_kv) * kHd, kHd);
  }
  return out;
}

TEST(RefAttentionTest, FirstTokenSeesOnlyItselfThroughItsKvHead) {
  const int n_q = 4;
  const int n_kv = 2;
  const Matrix q = testing::RandomActivations(3, n_q * kHd, 1);
  const Matrix k = testing::RandomActivations(3, n_kv * kHd, 2);
  const Matrix v = testing::RandomActivations(3, n_kv * kHd, 3);
  const Matrix out = CausalGqaAttention(q, k, v, n_q, n_kv, kHd);
  for (int h = 0; h < n_q; ++h) {
    const int kv_head = h / (n_q / n_kv);  // heads 0,1 -> kv 0; heads 2,3 -> kv 1
    EXPECT_LT(MaxAbsDiff(out.row(0).segment(h * kHd, kHd), v.row(0).segment(kv_head * kHd, kHd)),
              1e-6f)
        << "head " << h;
  }
}

TEST(RefAttentionTest, GroupedQueryEqualsMultiHeadWithRepeatedKv) {
  const int n_q = 6;
  const int n_kv = 2;
  const Matrix q = testing::RandomActivations(5, n_q * kHd, 4);
  const Matrix k = testing::RandomActivations(5, n_kv * kHd, 5);
  const Matrix v = testing::RandomActivations(5, n_kv * kHd, 6);
  const Matrix gqa = CausalGqaAttention(q, k, v, n_q, n_kv, kHd);
  const Matrix mha =
      CausalGqaAttention(q, RepeatKv(k, n_q, n_kv), RepeatKv(v, n_q, n_kv), n_q, n_q, kHd);
  EXPECT_LT(MaxAbsDiff(gqa, mha), 1e-6f);
  // Interleaved grouping (h % n_kv) would be a different answer.
  Matrix k_swapped = k;
  k_swapped.leftCols(kHd) = k.rightCols(kHd);
  k_swapped.rightCols(kHd) = k.leftCols(kHd);
  EXPECT_GT(MaxAbsDiff(gqa, CausalGqaAttention(q, k_swapped, v, n_q, n_kv, kHd)), 1e-4f);
}

TEST(RefAttentionTest, LaterTokensDoNotChangeEarlierOutputs) {
  const Matrix q = testing::RandomActivations(6, 2 * kHd, 7);
  const Matrix k = testing::RandomActivations(6, kHd, 8);
  const Matrix v = testing::RandomActivations(6, kHd, 9);
  const Matrix out = CausalGqaAttention(q, k, v, 2, 1, kHd);
  Matrix k2 = k;
  Matrix v2 = v;
  k2.bottomRows(2) *= -3.0f;
  v2.bottomRows(2).setConstant(7.0f);
  const Matrix out2 = CausalGqaAttention(q, k2, v2, 2, 1, kHd);
  EXPECT_LT(MaxAbsDiff(out.topRows(4), out2.topRows(4)), 1e-7f);
  EXPECT_GT(MaxAbsDiff(out.bottomRows(2), out2.bottomRows(2)), 1e-3f);
}

TEST(RefAttentionTest, EqualScoresAverageTheVisibleValues) {
  const Matrix q = testing::RandomActivations(4, kHd, 10);
  const Matrix k = Matrix::Zero(4, kHd);  // every score 0 -> uniform softmax
  const Matrix v = testing::RandomActivations(4, kHd, 11);
  const Matrix out = CausalGqaAttention(q, k, v, 1, 1, kHd);
  for (int t = 0; t < 4; ++t) {
    const Matrix mean = v.topRows(t + 1).colwise().mean();
    EXPECT_LT(MaxAbsDiff(out.row(t), mean), 1e-6f) << "token " << t;
  }
}

}  // namespace
}  // namespace tpsim::ref
