// Neox-style rotary embedding and its cos/sin cache, float32 like vLLM's cache construction.
#include "kernels/reference/rotary.h"

#include <cmath>

namespace tpsim::ref {

Matrix BuildCosSinCache(int rotary_dim, int max_position, double rope_theta) {
  const int half = rotary_dim / 2;
  // vLLM: inv_freq = 1 / base ** (arange(0, rotary_dim, 2, dtype=float) / rotary_dim), float32.
  std::vector<float> inv_freq(half);
  const float base = static_cast<float>(rope_theta);
  for (int i = 0; i < half; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(rotary_dim);
    inv_freq[i] = 1.0f / std::pow(base, exponent);
  }
  Matrix cache(max_position, rotary_dim);
  for (int p = 0; p < max_position; ++p) {
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * inv_freq[i];
      cache(p, i) = std::cos(angle);
      cache(p, half + i) = std::sin(angle);
    }
  }
  return cache;
}

void ApplyNeoxRotary(const std::vector<int>& positions, const Matrix& cos_sin, int head_dim,
                     Matrix* x) {
  const int half = static_cast<int>(cos_sin.cols()) / 2;
  const Eigen::Index heads = x->cols() / head_dim;
  for (Eigen::Index t = 0; t < x->rows(); ++t) {
    const auto cos = cos_sin.row(positions[t]).head(half);
    const auto sin = cos_sin.row(positions[t]).segment(half, half);
    for (Eigen::Index h = 0; h < heads; ++h) {
      auto head = x->row(t).segment(h * head_dim, head_dim);
      for (int i = 0; i < half; ++i) {
        const float x1 = head(i);
        const float x2 = head(half + i);
        head(i) = x1 * cos(i) - x2 * sin(i);
        head(half + i) = x2 * cos(i) + x1 * sin(i);
      }
    }
  }
}

}  // namespace tpsim::ref
