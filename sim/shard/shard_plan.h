// ShardPlan: the tensors one tensor-parallel rank allocates for a dense decoder, in vLLM's allocation
// order, with vLLM's split rules (research/vllm_memory_mechanism.md §5, §6):
//   * embed_tokens / lm_head: VocabParallelEmbedding, global vocab padded to a multiple of 64, then
//     divided by tp; a tied lm_head reuses embed_tokens (no second tensor);
//   * qkv_proj: column split; n_h/tp query heads and max(1, n_kv/tp) KV heads (replicated when tp > n_kv);
//   * o_proj, down_proj: row split; gate_up_proj: merged column split;
//   * RMSNorms (and Qwen3 q_norm/k_norm) replicated; one rotary cos_sin_cache per rank;
//   * per attention layer four float32 scale scalars (_k_scale, _v_scale, _q_scale, _prob_scale);
//   * AWQ linears: qweight [K, N/8] int32, qzeros [K/g, N/8] int32, scales [K/g, N] fp16;
//     awq_marlin adds a workspace of sm_count int32 per linear and repacks after loading.
// Splits vLLM refuses return InvalidArgument with vLLM's text.
#ifndef TPSIM_SIM_SHARD_SHARD_PLAN_H_
#define TPSIM_SIM_SHARD_SHARD_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/model/model_config.h"
#include "sim/shard/linear_method.h"
#include "sim/shard/tensor_spec.h"

namespace tpsim {

// vLLM's DEFAULT_VOCAB_PADDING_SIZE (vocab_parallel_embedding.py).
inline constexpr std::int64_t kVocabPaddingSize = 64;

struct ShardOptions {
  int tp = 1;
  int rank = 0;
  DType model_dtype = DType::kBF16;  // --dtype as resolved (AWQ: float16)
  LinearMethod linear = LinearMethod::kUnquantized;
  int sm_count = 128;                 // Marlin workspace: sm_count int32 per linear (marlin_make_workspace_new)
};

// Per-linear-layer shape on one rank: input K, output N (in x out, as quantised kernels store it).
struct LinearShard {
  std::string name;  // e.g. "model.layers.3.mlp.down_proj"
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  ShardKind shard = ShardKind::kColumn;
  bool bias = false;
  bool quantized = false;  // false for modules_to_not_convert
};

// A process_weights_after_loading step: allocate `allocate` (new tensors) then free the tensors named in
// `release` (indices into ShardPlan::tensors). Marlin repack is one such step per linear.
struct PostLoadStep {
  std::vector<TensorSpec> allocate;
  std::vector<int> release;
};

struct ShardPlan {
  int tp = 1;
  int rank = 0;
  std::int64_t vocab_padded = 0;      // global padded vocab
  std::int64_t vocab_per_rank = 0;
  std::int64_t q_heads_per_rank = 0;
  std::int64_t kv_heads_per_rank = 0;  // after replication (n_kv_r)
  std::int64_t kv_head_replicas = 1;   // tp / n_kv when tp > n_kv
  std::int64_t rope_cache_positions = 0;
  std::vector<TensorSpec> tensors;     // allocation order
  std::vector<LinearShard> linears;    // one per linear module (for activations and dequantisation)
  std::vector<PostLoadStep> post_load; // after all tensors are loaded, in module order

  Bytes TotalBytes() const;
};

// REQUIRES: model validated by ParseModelConfig. Errors: tp < 1, rank out of range, heads not
// divisible, vocab not divisible, AWQ input size not a multiple of the group size.
StatusOr<ShardPlan> BuildShardPlan(const ModelConfig& model, const ShardOptions& options);

// Checks only the split rules for `tp` (the errors BuildShardPlan would give), with vLLM's text.
Status CheckTensorParallelSplit(const ModelConfig& model, int tp, LinearMethod linear);

// Rows of the rotary cos_sin_cache vLLM builds for this model (max_position_embeddings, or for YaRN
// original_max_position_embeddings * factor; rotary_embedding/ get_rope).
std::int64_t RopeCachePositions(const ModelConfig& model);

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_SHARD_PLAN_H_
