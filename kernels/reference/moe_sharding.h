// How vLLM splits a MoE block over GPUs, and the sharded forward that proves the split: every
// device's partial output, summed (all-reduce / naive combine), reproduces the unsharded block.
//
// Parallel sizes (fused_moe/config.py `FusedMoEParallelConfig.make`, read at upstream commits
// 0dd3f4f5 ≈v0.10.1 and 66e86f1d ≈v0.19.0; the same logic):
//   the experts' TP is "flattened across DP": tp_moe = dp × tp, rank = dp_rank × tp + tp_rank;
//   use_ep = dp × tp > 1 and --enable-expert-parallel;
//   without EP: every device holds all E experts, each expert's w13 cut by rows (gate and up
//     halves alike) and w2 by columns into tp_moe slices of I / tp_moe;
//   with EP: tp_moe = 1, ep = dp × tp, ep_rank = the flattened rank; every expert is whole (never
//     TP-split) on exactly one device, placed by determine_expert_map (below).
// The router gate and the shared-expert gate are ReplicatedLinear; the Qwen2-MoE shared expert is
// a MergedColumnParallelLinear + RowParallelLinear on the attention TP group, so it is split by tp
// (not by tp_moe) even when the routed experts use EP.
//
// Data flow with dp > 1 (fused_moe/layer.py `forward_impl`, naive / allgather backends): every
// device sees the tokens of all DP replicas (dispatch), computes its partial on them, the partials
// are summed over the DP group (combine) and then over the TP group (maybe_all_reduce_...), and
// each replica keeps its own rows. The shared expert runs on the replica's own tokens and is summed
// by that replica's TP all-reduce. With dp = 1 all of this is one TP all-reduce.
#ifndef TPSIM_KERNELS_REFERENCE_MOE_SHARDING_H_
#define TPSIM_KERNELS_REFERENCE_MOE_SHARDING_H_

#include <vector>

#include "kernels/reference/moe_layer.h"
#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

// determine_expert_map's placement of global experts on EP ranks.
enum class ExpertPlacement {
  // Since PR #21497 (2025-07-24): contiguous blocks, the first E % ep ranks one expert more.
  kLinear,
  // PR #13931 (2025-03-05) until #21497: E / ep each, all remaining experts on the last rank.
  kLinearRemainderOnLastRank,
  // --expert-placement-strategy round_robin (PR #23745, 2025-09-16): experts r, r+ep, r+2ep, ...
  // vLLM honours it only for models with expert groups (num_expert_group > 1) and otherwise falls
  // back to kLinear with a warning, so Qwen3-MoE / Qwen2-MoE / Mixtral always get kLinear.
  kRoundRobin,
};

// The user's flags that decide the split.
struct MoeParallelism {
  int tensor_parallel_size = 1;  // --tensor-parallel-size (the attention TP group)
  int data_parallel_size = 1;    // --data-parallel-size
  bool enable_expert_parallel = false;
  ExpertPlacement placement = ExpertPlacement::kLinear;
  bool enable_eplb = false;       // --enable-eplb
  int num_redundant_experts = 0;  // --num-redundant-experts (EPLB only)
};

// vLLM's FusedMoEParallelConfig for one device.
struct FusedMoeParallel {
  int tp_size = 1;  // tp_moe: dp × tp without EP, 1 with EP
  int tp_rank = 0;
  int dp_size = 1;
  int dp_rank = 0;
  int ep_size = 1;  // dp × tp with EP, 1 without
  int ep_rank = 0;
  bool use_ep = false;
};

// FusedMoEParallelConfig.make for device (dp_rank, tp_rank). InvalidArgument on sizes < 1 or
// ranks outside them.
StatusOr<FusedMoeParallel> MakeFusedMoeParallel(const MoeParallelism& p, int dp_rank,
                                                int tp_rank);

// determine_expert_map: local_num_experts and the global -> local index map (-1 where the expert
// lives elsewhere). ep_size 1: every expert local, map the identity. InvalidArgument on ep_size < 1
// or a rank outside [0, ep_size).
struct ExpertMap {
  int local_num_experts = 0;
  std::vector<int> global_to_local;  // [E]
  std::vector<int> LocalExperts() const;  // global ids held, ascending local index order
};
StatusOr<ExpertMap> DetermineExpertMap(int ep_size, int ep_rank, int global_num_experts,
                                       ExpertPlacement placement);

// Which model's constructor runs (their refusals differ): Qwen3MoeSparseMoeBlock and
// Qwen2MoeSparseMoeBlock refuse tp > E, MixtralMoE does not.
enum class MoeModel { kQwenMoe, kMixtral };

// OK when vLLM builds this block under p, else InvalidArgument with vLLM's words, checked in the
// order vLLM's constructors run them (qwen2_moe.py / qwen3_moe.py, then FusedMoE.__init__):
//   tp > E (Qwen)  -> "Tensor parallel size T is greater than the number of experts E." (ValueError)
//   EPLB and E+R not a multiple of ep -> "AssertionError: EPLB currently only supports even
//                     distribution of experts across ranks."
//   redundant experts without EPLB -> "AssertionError: Redundant experts are only supported with
//                     EPLB."
//   I % tp_moe != 0 -> "AssertionError: intermediate_size % self.tp_size == 0 (...)" (bare assert)
//   top_k > E       -> "AssertionError: top_k <= global_num_experts (...)". vLLM's default Triton /
//                     Marlin routing has no such check (topk_softmax would silently pick experts
//                     twice); the assert is the one in its FlashInfer-TRTLLM FP8 MoE path. tpsim
//                     refuses the config rather than model a meaningless routing.
//   Is % tp != 0    -> "Is is not divisible by tp" (ensure_divisibility, shared expert)
// Sizes < 1 are InvalidArgument too. Without EP, E % ep is irrelevant; with EP vLLM accepts any E
// (the remainder rule places the extra experts) unless EPLB is on.
Status CheckMoeSplit(const MoeLayerDims& full, const MoeParallelism& p,
                     MoeModel model = MoeModel::kQwenMoe);

// Device (dp_rank, tp_rank)'s weights cut from the full block (full must hold all E experts).
// Errors: CheckMoeSplit's, then ValidateMoeLayer's; redundant (EPLB) experts are not modelled
// here and are InvalidArgument.
StatusOr<MoeLayerWeights> ShardMoeLayer(const MoeLayerWeights& full, const MoeParallelism& p,
                                        int dp_rank, int tp_rank,
                                        MoeModel model = MoeModel::kQwenMoe);

// Runs the block as the dp × tp devices of p would (see the data flow above). tokens[d] holds DP
// replica d's tokens [T_d, H]; the result holds each replica's output rows. InvalidArgument when
// tokens.size() != dp, a batch is not [*, H], or the split is refused.
StatusOr<std::vector<Matrix>> ShardedMoeBlockForward(const MoeLayerWeights& full,
                                                     const MoeParallelism& p,
                                                     const std::vector<Matrix>& tokens,
                                                     MoeModel model = MoeModel::kQwenMoe);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_MOE_SHARDING_H_
