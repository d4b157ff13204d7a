// Causal grouped-query attention: per query head, scores over earlier tokens, softmax, sum of v.
#include "kernels/reference/attention.h"

#include <cmath>

namespace tpsim::ref {

Matrix CausalGqaAttention(const Matrix& q, const Matrix& k, const Matrix& v, int num_q_heads,
                          int num_kv_heads, int head_dim) {
  const Eigen::Index tokens = q.rows();
  const int group = num_q_heads / num_kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  Matrix out = Matrix::Zero(tokens, static_cast<Eigen::Index>(num_q_heads) * head_dim);
  Eigen::VectorXf scores(tokens);
  for (int h = 0; h < num_q_heads; ++h) {
    const Eigen::Index q_col = static_cast<Eigen::Index>(h) * head_dim;
    const Eigen::Index kv_col = static_cast<Eigen::Index>(h / group) * head_dim;
    for (Eigen::Index t = 0; t < tokens; ++t) {
      const auto q_t = q.row(t).segment(q_col, head_dim);
      for (Eigen::Index s = 0; s <= t; ++s) {
        scores(s) = q_t.dot(k.row(s).segment(kv_col, head_dim)) * scale;
      }
      const float max_score = scores.head(t + 1).maxCoeff();
      float denom = 0.0f;
      for (Eigen::Index s = 0; s <= t; ++s) {
        scores(s) = std::exp(scores(s) - max_score);
        denom += scores(s);
      }
      auto out_t = out.row(t).segment(q_col, head_dim);
      for (Eigen::Index s = 0; s <= t; ++s) {
        out_t += (scores(s) / denom) * v.row(s).segment(kv_col, head_dim);
      }
    }
  }
  return out;
}

}  // namespace tpsim::ref
