// One mixture-of-experts MLP block on the CPU (float32), as vLLM computes it for Qwen3-MoE,
// Qwen2-MoE and Mixtral (vllm/model_executor/models/qwen3_moe.py `Qwen3MoeSparseMoeBlock`,
// qwen2_moe.py `Qwen2MoeSparseMoeBlock`, mixtral.py `MixtralMoE`; the experts are
// fused_moe/layer.py `FusedMoE` running fused_moe.py `fused_experts`):
//
//   logits   = x gate^T                                   router, ReplicatedLinear [E, H]
//   ids, w   = SoftmaxTopK(logits, k, norm_topk_prob)     see moe_router.h
//   routed   = sum_j w[t, j] * down_e(silu(gate_e x) * up_e x),  e = ids[t, j]
//   shared   = sigmoid(x shared_expert_gate^T) * down_s(silu(gate_s x) * up_s x)   (Qwen2-MoE only)
//   out      = routed + shared
//
// Contract: the same struct describes the whole block or what one rank holds. An expert is stored
// as vLLM's fused parameters for that expert: w13 = w13_weight[e] [2I, H] (gate rows [0, I), up
// rows [I, 2I)) and w2 = w2_weight[e] [H, I]. On a rank, `experts` lists only the experts the rank
// holds (all E without expert parallelism; the rank's expert_map entries with it) and I, Is are the
// rank's shares; MoeBlockPartialForward then returns that rank's partial sum, and the sum over
// ranks is the block output (vLLM's all-reduce / combine; see moe_sharding.h). Experts a rank does
// not hold contribute nothing there, exactly as vLLM skips expert_map[e] == -1. The router and the
// shared-expert gate are replicated, so every rank routes identically.
#ifndef TPSIM_KERNELS_REFERENCE_MOE_LAYER_H_
#define TPSIM_KERNELS_REFERENCE_MOE_LAYER_H_

#include <cstdint>
#include <vector>

#include "kernels/reference/moe_router.h"
#include "kernels/reference/tensor_ops.h"
#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

// Sizes of one MoE block (whole, or the part one rank holds).
struct MoeLayerDims {
  int hidden_size = 0;            // H, never split.
  int num_experts = 0;            // E, global: the router's output width on every rank.
  int top_k = 0;                  // num_experts_per_tok.
  int moe_intermediate_size = 0;  // I, or I / tp_moe on a rank (whole I under EP).
  bool norm_topk_prob = true;     // FusedMoE(renormalize=...).
  int shared_expert_intermediate_size = 0;  // Is, or Is / tp on a rank; 0 = no shared expert.
};

struct MoeExpertWeights {
  int expert_id = 0;  // global index e in [0, E)
  Matrix w13;         // [2I, H]
  Matrix w2;          // [H, I]
};

struct MoeLayerWeights {
  MoeLayerDims dims;
  Matrix gate;                            // [E, H]
  std::vector<MoeExpertWeights> experts;  // held experts, ascending expert_id
  Matrix shared_gate_up;                  // [2Is, H] when Is > 0, else empty
  Matrix shared_down;                     // [H, Is]
  Matrix shared_expert_gate;              // [1, H]
};

// Dimensions positive, 1 <= top_k <= E, every tensor the shape its dims imply, expert ids distinct,
// ascending and inside [0, E); InvalidArgument naming the first violation otherwise.
Status ValidateMoeLayer(const MoeLayerWeights& w);

// One expert on the rows of x routed to it: down(silu(gate x) * up x), [rows, H].
Matrix MoeExpertForward(const MoeExpertWeights& e, const Matrix& x);

// sum over the (token, choice) pairs whose expert this rank holds of weight * expert output [T, H].
// REQUIRES: ValidateMoeLayer(w).ok(), routing from SoftmaxTopK on x's rows.
Matrix RoutedExpertsForward(const MoeLayerWeights& w, const Matrix& x, const MoeRouting& routing);

// The Qwen2-MoE shared expert (this rank's partial sum when Is is a rank's share); zero when the
// block has none. REQUIRES: ValidateMoeLayer(w).ok().
Matrix SharedExpertForward(const MoeLayerWeights& w, const Matrix& x);

// Router, held experts and shared expert of one rank: x [T, H] -> partial output [T, H].
// REQUIRES: ValidateMoeLayer(w).ok(), x.cols() == H.
Matrix MoeBlockPartialForward(const MoeLayerWeights& w, const Matrix& x);

// The whole block, unsharded: InvalidArgument when the weights are inconsistent, do not hold all
// E experts, or x is not [T, H].
StatusOr<Matrix> MoeBlockForward(const MoeLayerWeights& w, const Matrix& x);

// A block holding all E experts with random weights fixed by seed: linear weights uniform in
// +-1/sqrt(in_features) (activations stay O(1)). The router is drawn wider (+-4/sqrt(H)) so that
// softmax probabilities are well separated and the top-k choice is never a near tie.
MoeLayerWeights RandomMoeLayer(const MoeLayerDims& dims, std::uint32_t seed);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_MOE_LAYER_H_
