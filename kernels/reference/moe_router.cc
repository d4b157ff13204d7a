// Softmax top-k routing with vLLM's tie rule and optional renormalisation.
#include "kernels/reference/moe_router.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace tpsim::ref {

Matrix RowSoftmax(const Matrix& x) {
  Matrix p(x.rows(), x.cols());
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const float max = x.row(t).maxCoeff();
    p.row(t) = (x.row(t).array() - max).exp().matrix();
    p.row(t) /= p.row(t).sum();
  }
  return p;
}

MoeRouting SoftmaxTopK(const Matrix& router_logits, int top_k, bool renormalize) {
  const Matrix probs = RowSoftmax(router_logits);
  const Eigen::Index tokens = probs.rows();
  const int experts = static_cast<int>(probs.cols());
  MoeRouting r;
  r.expert_ids.resize(tokens, top_k);
  r.weights.resize(tokens, top_k);
  std::vector<int> order(experts);
  for (Eigen::Index t = 0; t < tokens; ++t) {
    std::iota(order.begin(), order.end(), 0);
    // Largest probability first; the lower index first among equals (cub::ArgMax).
    std::partial_sort(order.begin(), order.begin() + top_k, order.end(), [&](int a, int b) {
      const float pa = probs(t, a);
      const float pb = probs(t, b);
      return pa > pb || (pa == pb && a < b);
    });
    for (int j = 0; j < top_k; ++j) {
      r.expert_ids(t, j) = order[j];
      r.weights(t, j) = probs(t, order[j]);
    }
    if (renormalize) r.weights.row(t) /= r.weights.row(t).sum();
  }
  return r;
}

}  // namespace tpsim::ref
