// Shared fixtures of the MoE reference-kernel tests: small block shapes shaped like the real ones
// and an independent (slow, obvious) evaluation of the block to compare the kernels against.
#ifndef TPSIM_TESTS_KERNELS_REFERENCE_MOE_TEST_UTIL_H_
#define TPSIM_TESTS_KERNELS_REFERENCE_MOE_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/reference/moe_layer.h"
#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref::testing {

// Sharded against unsharded block, relative to max(1, |want|): the measured float32 difference is
// about 1e-8 (outputs are O(0.1)); a wrong slice or placement gives more than 1e-3.
inline constexpr float kMoeShardTolerance = 1e-6f;

// Qwen3-MoE-like: no shared expert, renormalised top-k. E = 8 splits over ep 2/4/8, I = 16 over
// tp_moe 1/2/4/8/16.
inline MoeLayerDims SmallQwen3MoeDims() { return {32, 8, 2, 16, true, 0}; }

// Qwen2-MoE-like (Qwen1.5-MoE-A2.7B has norm_topk_prob false and a shared expert with a sigmoid
// gate): E = 8, k = 3, I = 16, Is = 24 (splits over tp 1/2/4/8).
inline MoeLayerDims SmallQwen2MoeDims() { return {32, 8, 3, 16, false, 24}; }

// The block evaluated token by token from the definition (every expert on every token, softmax
// and top-k by sorting), sharing no code path with RoutedExpertsForward's gather/scatter.
inline Matrix NaiveMoeBlock(const MoeLayerWeights& w, const Matrix& x) {
  const MoeLayerDims& d = w.dims;
  Matrix out = Matrix::Zero(x.rows(), d.hidden_size);
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const Matrix row = x.row(t);
    Eigen::VectorXf logits = (w.gate * row.transpose()).col(0);
    Eigen::VectorXf p = (logits.array() - logits.maxCoeff()).exp().matrix();
    p /= p.sum();
    std::vector<int> chosen;
    for (int j = 0; j < d.top_k; ++j) {
      int best = -1;
      for (int e = 0; e < d.num_experts; ++e) {
        if (std::find(chosen.begin(), chosen.end(), e) != chosen.end()) continue;
        if (best < 0 || p(e) > p(best)) best = e;
      }
      chosen.push_back(best);
    }
    float norm = 0.0f;
    for (int e : chosen) norm += p(e);
    for (int e : chosen) {
      const float weight = d.norm_topk_prob ? p(e) / norm : p(e);
      out.row(t) += weight * MoeExpertForward(w.experts[e], row);
    }
    if (d.shared_expert_intermediate_size > 0) {
      const float g = (w.shared_expert_gate * row.transpose())(0, 0);
      const Matrix s = Linear(SiluAndMul(Linear(row, w.shared_gate_up)), w.shared_down);
      out.row(t) += (1.0f / (1.0f + std::exp(-g))) * s;
    }
  }
  return out;
}

}  // namespace tpsim::ref::testing

#endif  // TPSIM_TESTS_KERNELS_REFERENCE_MOE_TEST_UTIL_H_
