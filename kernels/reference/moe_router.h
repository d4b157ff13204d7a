// The softmax top-k router of vLLM's fused MoE layer on the CPU (float32, Eigen).
//
// vLLM (vllm/model_executor/layers/fused_moe/fused_moe.py `fused_topk` and `vllm_topk_softmax`,
// kernel csrc/moe/topk_softmax_kernels.cu) turns the router logits [T, E] into, per token, the k
// experts with the largest softmax probability and their weights:
//   p[t, :]       = softmax(logits[t, :])                      (computed in float32)
//   ids[t, 0..k)  = the k largest p[t, e], largest first; on equal probability the lower expert
//                   index wins (cub::ArgMax keeps the smaller key)
//   w[t, j]       = p[t, ids[t, j]]
//   if renormalize: w[t, j] /= sum_j w[t, j]          (Qwen3 / Mixtral: norm_topk_prob = true)
// The softmax runs over all E (global) experts on every rank, so every rank routes the same way.
#ifndef TPSIM_KERNELS_REFERENCE_MOE_ROUTER_H_
#define TPSIM_KERNELS_REFERENCE_MOE_ROUTER_H_

#include <cstdint>

#include "kernels/reference/tensor_ops.h"

namespace tpsim::ref {

// Global expert indices, one row per token (vLLM's topk_ids, int32).
using ExpertIdMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct MoeRouting {
  ExpertIdMatrix expert_ids;  // [T, k], largest weight first.
  Matrix weights;             // [T, k] (vLLM's topk_weights, float32).
};

// Row-wise softmax of x [T, E] (max-subtracted, float32).
Matrix RowSoftmax(const Matrix& x);

// vLLM's fused_topk on router logits [T, E]. REQUIRES: 1 <= top_k <= logits.cols() (the layer
// entry points check this and return Status; see moe_sharding.h CheckMoeSplit).
MoeRouting SoftmaxTopK(const Matrix& router_logits, int top_k, bool renormalize);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_MOE_ROUTER_H_
