// Tensor-parallel sharding of a Qwen3 decoder layer exactly as vLLM lays it out, and the sharded
// forward that proves it: running every rank's shard and summing the partial outputs (the
// all-reduce) reproduces the unsharded layer.
//
// Layout (vllm/model_executor/layers/linear.py; research/vllm_memory_mechanism.md §5):
//   qkv_proj      QKVParallelLinear (column): rank r holds query heads [r*n_h/tp, (r+1)*n_h/tp) and
//                 n_kv/tp kv heads starting at r*n_kv/tp when tp <= n_kv; when tp > n_kv it holds
//                 ONE kv head, number r / (tp / n_kv) (each kv head replicated on tp / n_kv ranks).
//   o_proj        RowParallelLinear: input columns of the rank's query heads; output all-reduced.
//   gate_up_proj  MergedColumnParallelLinear: gate rows [r*I/tp, (r+1)*I/tp) and the same up rows.
//   down_proj     RowParallelLinear: input columns [r*I/tp, (r+1)*I/tp); output all-reduced.
//   input_layernorm, post_attention_layernorm, q_norm, k_norm: replicated.
// Splits vLLM refuses come back as InvalidArgument with vLLM's text (CheckTensorParallelSplit).
#ifndef TPSIM_KERNELS_REFERENCE_LAYER_SHARDING_H_
#define TPSIM_KERNELS_REFERENCE_LAYER_SHARDING_H_

#include <vector>

#include "kernels/reference/qwen3_layer.h"
#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

// Which heads and intermediate columns one rank owns (indices into the full layer).
struct RankSlice {
  int q_head_begin = 0;
  int num_q_heads = 0;
  int kv_head_begin = 0;
  int num_kv_heads = 0;
  int kv_replicas = 1;  // ranks holding each kv head (vLLM's num_kv_head_replicas).
  int intermediate_begin = 0;
  int intermediate_size = 0;
};

// OK when vLLM accepts tensor-parallel size tp for these head counts, else InvalidArgument with the
// text vLLM stops with:
//   n_h % tp != 0  -> "Total number of attention heads (N) must be divisible by tensor parallel
//                      size (T)." (ModelConfig.verify_with_parallel_config, ValueError)
//   n_kv >= tp, n_kv % tp != 0 -> "assert self.total_num_kv_heads % tp_size == 0" failed
//   n_kv < tp,  tp % n_kv != 0 -> "assert tp_size % self.total_num_kv_heads == 0" failed
//                      (both bare asserts in Qwen3Attention.__init__; the message names them)
// tp < 1 is InvalidArgument too.
Status CheckTensorParallelSplit(int num_heads, int num_kv_heads, int tp);

// The slice of rank `rank` of `tp`. Besides CheckTensorParallelSplit, I % tp != 0 fails with the
// text of vLLM's ensure_divisibility ("I is not divisible by tp"), and rank outside [0, tp) fails.
StatusOr<RankSlice> ComputeRankSlice(const Qwen3LayerDims& full, int tp, int rank);

// Rank `rank`'s weights cut from the full layer; its dims hold the rank's counts.
StatusOr<Qwen3LayerWeights> ShardQwen3Layer(const Qwen3LayerWeights& full, int tp, int rank);

// Runs the layer as tp ranks would: each rank's attention half on its own heads, partial o_proj
// outputs summed (all-reduce), residual add, each rank's MLP half, partial down_proj outputs
// summed, residual add. `ranks` holds one shard per rank (from ShardQwen3Layer or from
// dequantised AWQ shards). InvalidArgument when `ranks` is empty, a shard is malformed, or shards
// disagree on hidden_size / head_dim.
StatusOr<Matrix> TensorParallelQwen3LayerForward(const std::vector<Qwen3LayerWeights>& ranks,
                                                 const Matrix& hidden,
                                                 const std::vector<int>& positions,
                                                 const Matrix& cos_sin, float rms_norm_eps);

// Shards `full` for every rank of tp and runs TensorParallelQwen3LayerForward.
StatusOr<Matrix> ShardedQwen3LayerForward(const Qwen3LayerWeights& full, int tp,
                                          const Matrix& hidden, const std::vector<int>& positions,
                                          const Matrix& cos_sin, float rms_norm_eps);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_LAYER_SHARDING_H_
