// A Qwen3 decoder layer with every linear AWQ-quantised, and its tensor-parallel sharding done on
// the packed tensors the way vLLM's weight loaders cut an AWQ checkpoint.
//
// Contract: the four linears are held as AwqTensor in [K, N] = [in, out] layout; norms stay float
// and replicated. qkv_proj is quantised as one [H, (n_h + 2 n_kv) hd] tensor; that equals
// quantising q_proj, k_proj and v_proj separately (as the checkpoint stores them) because groups
// run along K and every column has its own scale and zero. Sharding per rank (slice from
// layer_sharding.h):
//   qkv_proj, gate_up_proj: column split, the rank's q / k / v (gate / up) column ranges cut
//     from qweight and qzeros in packed words and from scales in columns, then concatenated.
//   o_proj, down_proj: row split — qweight rows K/tp, qzeros and scales rows (K/tp)/g.
// Before slicing, each linear is checked as vLLM's AWQLinearMethod.create_weights checks it (input
// per partition % g, then output per partition % 8), in vLLM's construction order qkv, o, gate_up,
// down, so a refused split returns the same text vLLM raises.
#ifndef TPSIM_KERNELS_REFERENCE_AWQ_LAYER_H_
#define TPSIM_KERNELS_REFERENCE_AWQ_LAYER_H_

#include "kernels/reference/awq.h"
#include "kernels/reference/qwen3_layer.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

struct AwqQwen3Layer {
  Qwen3LayerDims dims;
  Vector input_layernorm;           // [H]
  Vector q_norm;                    // [hd]
  Vector k_norm;                    // [hd]
  Vector post_attention_layernorm;  // [H]
  AwqTensor qkv_proj;               // K = H, N = (n_q + 2 n_kv) hd
  AwqTensor o_proj;                 // K = n_q hd, N = H
  AwqTensor gate_up_proj;           // K = H, N = 2I (gate columns, then up columns)
  AwqTensor down_proj;              // K = I, N = H
};

// Quantises every linear of `w` with group size g (see QuantizeAwq). InvalidArgument when the layer
// is malformed or a linear's K is not a multiple of g or its N not a multiple of 8.
StatusOr<AwqQwen3Layer> QuantizeQwen3Layer(const Qwen3LayerWeights& w, int group_size);

// The float layer the quantised one represents (each linear dequantised and transposed back to
// PyTorch's [out, in]).
Qwen3LayerWeights DequantizeQwen3Layer(const AwqQwen3Layer& q);

// Rank `rank`'s AWQ tensors cut from the full quantised layer. Errors: those of ComputeRankSlice,
// then vLLM's AWQ alignment errors (see above).
StatusOr<AwqQwen3Layer> ShardAwqQwen3Layer(const AwqQwen3Layer& full, int tp, int rank);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_AWQ_LAYER_H_
