// Rotary position embedding of the reference decoder, as vLLM's RotaryEmbedding computes it
// (vllm/model_executor/layers/rotary_embedding: `_compute_inv_freq`, `_compute_cos_sin_cache`,
// `forward_native` with is_neox_style=True, the style Qwen3 / Qwen2 / Llama use).
//
// Contract: the cos/sin cache is [max_position, rotary_dim] float32 with cos in columns
// [0, rotary_dim/2) and sin in [rotary_dim/2, rotary_dim), row p holding angle p * inv_freq[i],
// inv_freq[i] = 1 / rope_theta^(2i / rotary_dim). Neox style rotates the two halves of the first
// rotary_dim elements of every head: out1 = x1 cos - x2 sin, out2 = x2 cos + x1 sin; elements
// beyond rotary_dim pass through. The cache is replicated on every tensor-parallel rank (it does
// not depend on the heads a rank owns), which is why the sharded forward can reuse it unchanged.
#ifndef TPSIM_KERNELS_REFERENCE_ROTARY_H_
#define TPSIM_KERNELS_REFERENCE_ROTARY_H_

#include <vector>

#include "kernels/reference/tensor_ops.h"

namespace tpsim::ref {

// The cos/sin cache [max_position, rotary_dim].
// REQUIRES: rotary_dim > 0 and even, max_position > 0, rope_theta > 0.
Matrix BuildCosSinCache(int rotary_dim, int max_position, double rope_theta);

// Rotates every head of x [T, n * head_dim] in place at the token positions `positions` (one per
// row of x) with the neox (rotate-halves) layout, using the first rotary_dim = cos_sin.cols()
// elements of each head.
// REQUIRES: positions.size() == x.rows(), 0 <= positions[t] < cos_sin.rows(),
//           x.cols() % head_dim == 0, cos_sin.cols() <= head_dim and even.
void ApplyNeoxRotary(const std::vector<int>& positions, const Matrix& cos_sin, int head_dim,
                     Matrix* x);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_ROTARY_H_
