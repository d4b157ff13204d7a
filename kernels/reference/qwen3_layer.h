// One Qwen3 decoder layer on the CPU (float32), as vLLM's Qwen3DecoderLayer computes it
// (vllm/model_executor/models/qwen3.py `Qwen3Attention.forward`, `Qwen3DecoderLayer.forward`;
// the MLP is qwen2.py `Qwen2MLP`):
//
//   h   = x + o_proj(attention(rope(k_norm/q_norm(split(qkv_proj(input_layernorm(x)))))))
//   out = h + down_proj(silu(gate) * up),  [gate | up] = gate_up_proj(post_attention_layernorm(h))
//
// Contract: the same weight struct describes the whole layer or one tensor-parallel rank's shard
// (then `dims` holds the rank's head and intermediate counts and o_proj/down_proj return partial
// sums that the caller all-reduces; see layer_sharding.h). Weights use PyTorch's [out, in] layout,
// activations are [T, H] with one row per token, and all positions index the shared cos/sin cache.
// The attention and MLP halves are exposed separately because the sharded forward all-reduces
// between them.
#ifndef TPSIM_KERNELS_REFERENCE_QWEN3_LAYER_H_
#define TPSIM_KERNELS_REFERENCE_QWEN3_LAYER_H_

#include <cstdint>
#include <vector>

#include "kernels/reference/tensor_ops.h"
#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

// Sizes of one layer (whole, or the part one rank holds).
struct Qwen3LayerDims {
  int hidden_size = 0;        // H, never split.
  int num_heads = 0;          // query heads held: n_h, or n_h / tp on a rank.
  int num_kv_heads = 0;       // kv heads held: n_kv, n_kv / tp, or 1 (replicated) on a rank.
  int head_dim = 0;           // hd.
  int intermediate_size = 0;  // I, or I / tp on a rank.
};

struct Qwen3LayerWeights {
  Qwen3LayerDims dims;
  Vector input_layernorm;           // [H]
  Matrix qkv_proj;                  // [(n_q + 2 n_kv) * hd, H]: q rows, then k rows, then v rows.
  Vector q_norm;                    // [hd], shared by all query heads.
  Vector k_norm;                    // [hd], shared by all key heads.
  Matrix o_proj;                    // [H, n_q * hd]
  Vector post_attention_layernorm;  // [H]
  Matrix gate_up_proj;              // [2I, H]: gate rows [0, I), up rows [I, 2I).
  Matrix down_proj;                 // [H, I]
};

// Every tensor has the shape its dims imply and n_q is a multiple of n_kv; InvalidArgument naming
// the first mismatch otherwise.
Status ValidateQwen3Layer(const Qwen3LayerWeights& w);

// Attention half: normed [T, H] (input_layernorm already applied) -> o_proj output [T, H]
// (a partial sum on a rank). REQUIRES: ValidateQwen3Layer(w).ok(), positions valid for cos_sin,
// cos_sin.cols() <= head_dim.
Matrix Qwen3AttentionForward(const Qwen3LayerWeights& w, const Matrix& normed,
                             const std::vector<int>& positions, const Matrix& cos_sin,
                             float rms_norm_eps);

// MLP half: normed [T, H] (post_attention_layernorm applied) -> down_proj output [T, H]
// (a partial sum on a rank). REQUIRES: ValidateQwen3Layer(w).ok().
Matrix Qwen3MlpForward(const Qwen3LayerWeights& w, const Matrix& normed);

// The whole layer, unsharded: hidden [T, H] -> [T, H]. InvalidArgument when the weights are
// inconsistent, hidden is not [T, H], positions are not one per token inside the cache, or the
// cache is wider than head_dim.
StatusOr<Matrix> Qwen3DecoderLayerForward(const Qwen3LayerWeights& w, const Matrix& hidden,
                                          const std::vector<int>& positions,
                                          const Matrix& cos_sin, float rms_norm_eps);

// The checks Qwen3DecoderLayerForward performs on its activations (shared with the sharded path).
Status ValidateLayerInputs(const Qwen3LayerDims& dims, const Matrix& hidden,
                           const std::vector<int>& positions, const Matrix& cos_sin);

// A layer with random weights (fixed by seed): linear weights uniform in +-1/sqrt(in_features) so
// activations stay O(1), norm weights uniform in [0.5, 1.5]. For tests and GPU comparisons.
Qwen3LayerWeights RandomQwen3Layer(const Qwen3LayerDims& dims, std::uint32_t seed);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_QWEN3_LAYER_H_
