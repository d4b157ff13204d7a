#include "sim/shard/shard_plan_cache.h"

namespace tpsim {

namespace {

// The model fields that shape a plan, as text: two models with one name but different shapes never
// share a plan.
std::string ShapeSignature(const ModelConfig& m) {
  std::string s;
  for (std::int64_t v : {m.hidden_size, m.intermediate_size, m.num_layers, m.num_heads, m.num_kv_heads,
                         m.head_dim, m.vocab_size, m.max_position_embeddings,
                         m.rope_original_max_position, static_cast<std::int64_t>(m.quant.bits),
                         static_cast<std::int64_t>(m.quant.group_size),
                         static_cast<std::int64_t>(m.quant.method), static_cast<std::int64_t>(m.dtype)}) {
    s += std::to_string(v);
    s += ',';
  }
  s += m.tie_word_embeddings ? 't' : 'f';
  s += m.qk_norm ? 't' : 'f';
  s += m.qkv_bias ? 't' : 'f';
  s += m.mlp_bias ? 't' : 'f';
  s += m.rope_type + ',' + std::to_string(m.rope_factor) + ',' + std::to_string(m.partial_rotary_factor);
  for (const std::string& name : m.quant.modules_to_not_convert) s += ',' + name;
  s += ',' + std::to_string(m.checkpoint_tensors.size());
  return s;
}

}  // namespace

StatusOr<std::shared_ptr<const ShardPlan>> ShardPlanCache::Get(const ModelConfig& model,
                                                               const ShardOptions& options) {
  const Key key{model.name, options.tp, options.rank, static_cast<int>(options.model_dtype),
                static_cast<int>(options.linear), options.sm_count};
  std::string signature = ShapeSignature(model);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = plans_.find(key);
    if (it != plans_.end() && it->second.shape_signature == signature) return it->second.plan;
  }
  TPSIM_ASSIGN_OR_RETURN(ShardPlan built, BuildShardPlan(model, options));
  auto plan = std::make_shared<const ShardPlan>(std::move(built));
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = plans_.try_emplace(key, Entry{plan, signature});
  if (!inserted && it->second.shape_signature != signature) return plan;  // guard: do not replace
  return it->second.plan;
}

std::size_t ShardPlanCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plans_.size();
}

}  // namespace tpsim
