// Grouped-query causal self-attention of the reference decoder (one prefill sequence, no KV cache).
//
// Contract: q [T, n_q * hd], k and v [T, n_kv * hd], heads laid out contiguously along the columns
// in head order (as vLLM's `qkv.split` then `view(..., n, hd)` gives them). Query head h attends
// with kv head h / (n_q / n_kv) (the grouping of vLLM's attention backends and HF's repeat_kv).
// Token t sees tokens 0..t (causal):
//   out[t, head h] = sum_{s <= t} softmax_s(q_t . k_s / sqrt(hd)) v_s,
// computed in float32 with the usual max-subtraction. The result is [T, n_q * hd], o_proj's input.
// On a tensor-parallel rank the same kernel runs with that rank's n_q / tp query heads and its
// kv heads; heads never interact, which is what makes the head split exact.
#ifndef TPSIM_KERNELS_REFERENCE_ATTENTION_H_
#define TPSIM_KERNELS_REFERENCE_ATTENTION_H_

#include "kernels/reference/tensor_ops.h"

namespace tpsim::ref {

// REQUIRES: num_q_heads % num_kv_heads == 0, q.cols() == num_q_heads * head_dim,
//           k.cols() == v.cols() == num_kv_heads * head_dim, q.rows() == k.rows() == v.rows().
Matrix CausalGqaAttention(const Matrix& q, const Matrix& k, const Matrix& v, int num_q_heads,
                          int num_kv_heads, int head_dim);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_ATTENTION_H_
