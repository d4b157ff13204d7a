#include "sim/shard/shard_plan.h"

#include <algorithm>
#include <string>

namespace tpsim {

namespace {

std::string S(std::int64_t v) { return std::to_string(v); }

bool IsNotConverted(const ModelConfig& model, const std::string& module_name) {
  for (const std::string& m : model.quant.modules_to_not_convert) {
    if (!m.empty() && module_name.find(m) != std::string::npos) return true;
  }
  return false;
}

bool IsAwqLike(LinearMethod m) {
  return m == LinearMethod::kAwq || m == LinearMethod::kAwqMarlin || m == LinearMethod::kGptq ||
         m == LinearMethod::kGptqMarlin;
}

// Appends the tensors of one linear module and returns its LinearShard.
void AddLinear(const ModelConfig& model, const ShardOptions& opt, const std::string& name,
               std::int64_t k, std::int64_t n, ShardKind shard, bool bias, ShardPlan* plan) {
  LinearShard ls{name, k, n, shard, bias, false};
  const bool quantized = IsAwqLike(opt.linear) && !IsNotConverted(model, name);
  ls.quantized = quantized;
  const DType act = opt.model_dtype;
  if (quantized) {
    const int bits = model.quant.bits;
    const std::int64_t pack = 32 / bits;
    const std::int64_t g = model.quant.group_size > 0 ? model.quant.group_size : k;
    const std::int64_t groups = k / g;
    const bool gptq = opt.linear == LinearMethod::kGptq || opt.linear == LinearMethod::kGptqMarlin;
    if (gptq) {
      // GPTQ layout: qweight [K/pack, N], qzeros [groups, N/pack], scales [groups, N], g_idx [K].
      plan->tensors.push_back({name + ".qweight", {k / pack, n}, DType::kI32, shard, false});
      plan->tensors.push_back({name + ".qzeros", {groups, n / pack}, DType::kI32, shard, false});
      plan->tensors.push_back({name + ".scales", {groups, n}, act, shard, false});
      plan->tensors.push_back({name + ".g_idx", {k}, DType::kI32, shard, false});
    } else {
      plan->tensors.push_back({name + ".qweight", {k, n / pack}, DType::kI32, shard, false});
      plan->tensors.push_back({name + ".qzeros", {groups, n / pack}, DType::kI32, shard, false});
      plan->tensors.push_back({name + ".scales", {groups, n}, act, shard, false});
    }
    if (opt.linear == LinearMethod::kAwqMarlin || opt.linear == LinearMethod::kGptqMarlin) {
      // process_weights_after_loading: workspace, then repacked qweight, permuted scales and converted
      // zero points are allocated before the checkpoint tensors are released (replace_parameter).
      const int first = static_cast<int>(plan->tensors.size()) - (gptq ? 4 : 3);
      PostLoadStep step;
      step.allocate.push_back({name + ".workspace", {opt.sm_count}, DType::kI32, shard, true});
      step.allocate.push_back({name + ".qweight(marlin)", {k / 16, n * 16 / pack}, DType::kI32, shard,
                               false});
      step.release.push_back(first);
      step.allocate.push_back({name + ".scales(marlin)", {groups, n}, act, shard, false});
      step.release.push_back(first + 2);
      step.allocate.push_back({name + ".qzeros(marlin)", {groups, n / pack}, DType::kI32, shard, false});
      step.release.push_back(first + 1);
      plan->post_load.push_back(std::move(step));
    }
  } else {
    const DType wt = opt.linear == LinearMethod::kFp8 ? DType::kF8E4M3 : act;
    plan->tensors.push_back({name + ".weight", {n, k}, wt, shard, false});
    if (opt.linear == LinearMethod::kFp8) {
      plan->tensors.push_back({name + ".weight_scale", {1}, DType::kF32, shard, false});
    }
  }
  if (bias) plan->tensors.push_back({name + ".bias", {n}, act, shard, false});
  plan->linears.push_back(std::move(ls));
}

}  // namespace

Bytes ShardPlan::TotalBytes() const {
  Bytes total = 0;
  for (const TensorSpec& t : tensors) total += t.bytes();
  return total;
}

std::int64_t RopeCachePositions(const ModelConfig& model) {
  if (model.rope_type == "yarn" && model.rope_original_max_position > 0) {
    return static_cast<std::int64_t>(static_cast<double>(model.rope_original_max_position) *
                                     model.rope_factor);
  }
  return model.max_position_embeddings;
}

Status CheckTensorParallelSplit(const ModelConfig& model, int tp, LinearMethod linear) {
  if (tp < 1) return Status::InvalidArgument("tensor_parallel_size must be >= 1, got " + S(tp));
  if (model.num_heads % tp != 0) {
    return Status::InvalidArgument("Total number of attention heads (" + S(model.num_heads) +
                                   ") must be divisible by tensor parallel size (" + S(tp) + ").");
  }
  if (model.num_kv_heads >= tp ? model.num_kv_heads % tp != 0 : tp % model.num_kv_heads != 0) {
    return Status::InvalidArgument(
        "Total number of KV heads (" + S(model.num_kv_heads) + ") must be divisible by tensor "
        "parallel size (" + S(tp) + ") or tensor parallel size must be divisible by it.");
  }
  const std::int64_t vocab_padded = CeilDiv(model.vocab_size, kVocabPaddingSize) * kVocabPaddingSize;
  if (vocab_padded % tp != 0) {
    return Status::InvalidArgument(S(vocab_padded) + " is not divisible by " + S(tp));
  }
  if (model.intermediate_size % tp != 0) {
    return Status::InvalidArgument(S(model.intermediate_size) + " is not divisible by " + S(tp));
  }
  if (IsAwqLike(linear) && model.quant.group_size > 0) {
    const std::int64_t g = model.quant.group_size;
    const std::int64_t row_inputs[] = {model.num_heads * model.head_dim / tp,
                                       model.intermediate_size / tp};
    for (std::int64_t k : row_inputs) {
      if (k % g != 0) {
        return Status::InvalidArgument(
            "The input size is not aligned with the quantized weight shape. This can be caused by "
            "too large tensor parallel size.");
      }
    }
    const std::int64_t pack = 32 / model.quant.bits;
    const std::int64_t col_outputs[] = {2 * model.intermediate_size / tp};
    for (std::int64_t n : col_outputs) {
      if (n % pack != 0) {
        return Status::InvalidArgument(
            "The output size is not aligned with the quantized weight shape. This can be caused by "
            "too large tensor parallel size.");
      }
    }
  }
  return Status::Ok();
}

StatusOr<ShardPlan> BuildShardPlan(const ModelConfig& model, const ShardOptions& opt) {
  TPSIM_RETURN_IF_ERROR(CheckTensorParallelSplit(model, opt.tp, opt.linear));
  if (opt.rank < 0 || opt.rank >= opt.tp) {
    return Status::InvalidArgument("rank " + S(opt.rank) + " out of range for tp " + S(opt.tp));
  }
  ShardPlan plan;
  plan.tp = opt.tp;
  plan.rank = opt.rank;
  const std::int64_t tp = opt.tp;
  const std::int64_t h = model.hidden_size;
  const std::int64_t hd = model.head_dim;
  plan.vocab_padded = CeilDiv(model.vocab_size, kVocabPaddingSize) * kVocabPaddingSize;
  plan.vocab_per_rank = plan.vocab_padded / tp;
  plan.q_heads_per_rank = model.num_heads / tp;
  plan.kv_heads_per_rank = std::max<std::int64_t>(1, model.num_kv_heads / tp);
  plan.kv_head_replicas = tp > model.num_kv_heads ? tp / model.num_kv_heads : 1;
  plan.rope_cache_positions = RopeCachePositions(model);
  const DType act = opt.model_dtype;
  // Capacity for the per-layer tensors (at most 24: 4 linears of up to 4 tensors, 4 attention scales,
  // 4 norms) so that the names are not copied on growth.
  plan.tensors.reserve(static_cast<std::size_t>(model.num_layers) * 24 + 8);
  plan.linears.reserve(static_cast<std::size_t>(model.num_layers) * 4);
  plan.post_load.reserve(static_cast<std::size_t>(model.num_layers) * 4);

  plan.tensors.push_back(
      {"model.embed_tokens.weight", {plan.vocab_per_rank, h}, act, ShardKind::kVocab, false});
  const std::int64_t qkv_out = (plan.q_heads_per_rank + 2 * plan.kv_heads_per_rank) * hd;
  const std::int64_t attn_in = plan.q_heads_per_rank * hd;
  const std::int64_t inter = model.intermediate_size / tp;
  for (std::int64_t i = 0; i < model.num_layers; ++i) {
    const std::string p = "model.layers." + S(i) + ".";
    // Qwen3Attention / Qwen2Attention / LlamaAttention.__init__: qkv_proj, o_proj, rotary_emb, attn.
    AddLinear(model, opt, p + "self_attn.qkv_proj", h, qkv_out, ShardKind::kColumn, model.qkv_bias,
              &plan);
    AddLinear(model, opt, p + "self_attn.o_proj", attn_in, h, ShardKind::kRow, false, &plan);
    if (i == 0) {  // get_rope caches one RotaryEmbedding per process (_ROPE_DICT)
      plan.tensors.push_back({"rotary_emb.cos_sin_cache",
                              {plan.rope_cache_positions, model.rotary_dim()},
                              act,
                              ShardKind::kReplicated,
                              true});
    }
    for (const char* scale : {"_k_scale", "_v_scale", "_q_scale", "_prob_scale"}) {
      plan.tensors.push_back(
          {p + "self_attn.attn." + scale, {}, DType::kF32, ShardKind::kReplicated, false});
    }
    if (model.qk_norm) {
      plan.tensors.push_back({p + "self_attn.q_norm.weight", {hd}, act, ShardKind::kReplicated, false});
      plan.tensors.push_back({p + "self_attn.k_norm.weight", {hd}, act, ShardKind::kReplicated, false});
    }
    AddLinear(model, opt, p + "mlp.gate_up_proj", h, 2 * inter, ShardKind::kColumn, false, &plan);
    AddLinear(model, opt, p + "mlp.down_proj", inter, h, ShardKind::kRow, false, &plan);
    plan.tensors.push_back({p + "input_layernorm.weight", {h}, act, ShardKind::kReplicated, false});
    plan.tensors.push_back(
        {p + "post_attention_layernorm.weight", {h}, act, ShardKind::kReplicated, false});
  }
  plan.tensors.push_back({"model.norm.weight", {h}, act, ShardKind::kReplicated, false});
  if (!model.tie_word_embeddings) {
    plan.tensors.push_back({"lm_head.weight", {plan.vocab_per_rank, h}, act, ShardKind::kVocab, false});
  }
  return plan;
}

}  // namespace tpsim
