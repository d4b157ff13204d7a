// The profile (dummy) run as allocations with lifetimes (research/vllm_memory_mechanism.md §2): vLLM
// measures the peak of this run; tpsim replays the tensors the forward pass and the sampler create and
// free, so the peak emerges from the allocator rather than from a formula.
//
//   * Eager forward (V0, or --enforce-eager): the tensors of Qwen2/Qwen3 decoder layers as PyTorch
//     holds them (§2.3): per layer the caller's input, the residual, qkv, q/k after q_norm/k_norm, the
//     attention output, o_proj output and its all-reduce copy, gate_up, act, down_proj output and its
//     all-reduce copy; RMSNorms fused in place; plain awq dequantises the whole [K, N] weight for >= 256
//     tokens. Peak ~ T·b·(5H + 3I/tp) (tp > 1), T·b·(4H + 3I) (tp 1).
//   * Compiled forward (V1 default, torch.compile piecewise): a documented model, not derived from
//     Inductor's buffer plan: Inductor frees each buffer at its last use, so the caller's input and the
//     norm outputs are not kept: peak ~ T·b·max(2H + 2I/tp, H + 3I/tp).
//   * Sampler (V1 >= 0.8, §2.1): N = min(S, T) rows; the dummy metadata sets top-k = V-1 and top-p
//     0.9 in every version, so a top-k/top-p path always runs: gathered logits [N, V_pad] in the model
//     dtype, a float32 copy, then one of
//       - FlashInfer (V1 before 0.10.2, where TopKTopPSampler used FlashInfer whenever it was installed
//         and VLLM_USE_FLASHINFER_SAMPLER was not 0; assumed installed, as in vLLM's images): top-k
//         masked logits f32 and their softmax f32, sampled in a kernel;
//       - the PyTorch sort path (values f32, indices i64, probs_sort f32, bool mask, scatter f32, then
//         probs f32 and q f32): V1 0.10.2-0.18 (FlashInfer opt-in) and any version for N < 8;
//       - the Triton top-k/top-p kernel (v0.19+, N >= 8; no sort), then probs f32 and q f32.
//     Which versions made FlashInfer opt-in is not pinned to a PR here (research §9).
//     V0 (§2.2) uses S rows and the sort path and also computes float32 logprobs.
//   * cuBLAS workspace: allocated at the first matmul through the caching allocator and kept:
//     8 MiB + 128 KiB (":4096:2:16:8"), 32 MiB on sm_90 (PyTorch CublasHandlePool.cpp).
#ifndef TPSIM_SIM_ENGINE_PROFILE_PROGRAM_H_
#define TPSIM_SIM_ENGINE_PROFILE_PROGRAM_H_

#include <cstdint>
#include <vector>

#include "sim/base/status.h"
#include "sim/engine/resolved_config.h"
#include "sim/rank/rank_machine.h"
#include "sim/shard/shard_plan.h"

namespace tpsim {

// cuBLAS workspace bytes for a compute capability (see above).
Bytes CublasWorkspaceBytes(int compute_capability);

// Runs one forward pass of `tokens` tokens. Leaves the final hidden states [tokens, H] allocated and
// returns their handle in *hidden; everything else it allocates is freed, except the cuBLAS workspace
// (allocated once, its handle appended to *persistent when *persistent is empty).
Status EmitForward(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t tokens, bool compiled,
                   RankMachine* m, BlockHandle* hidden, std::vector<BlockHandle>* persistent);

// Runs compute_logits + the sampler on `rows` rows, on the path the era's policy picks
// (VllmPolicy::SamplerPathFor); frees everything it allocates.
Status EmitSampler(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t rows,
                   RankMachine* m);

// Model FLOPs of a forward pass of `tokens` tokens on one rank (2 per weight element per token, plus
// attention scores), for the simulated clock.
double ForwardFlops(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t tokens);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_PROFILE_PROGRAM_H_
