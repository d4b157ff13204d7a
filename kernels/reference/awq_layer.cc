// Quantising, dequantising and tensor-parallel slicing of an AWQ Qwen3 layer.
#include "kernels/reference/awq_layer.h"

#include <utility>
#include <vector>

#include "kernels/reference/layer_sharding.h"

namespace tpsim::ref {

StatusOr<AwqQwen3Layer> QuantizeQwen3Layer(const Qwen3LayerWeights& w, int group_size) {
  TPSIM_RETURN_IF_ERROR(ValidateQwen3Layer(w));
  AwqQwen3Layer q;
  q.dims = w.dims;
  q.input_layernorm = w.input_layernorm;
  q.q_norm = w.q_norm;
  q.k_norm = w.k_norm;
  q.post_attention_layernorm = w.post_attention_layernorm;
  // nn.Linear stores [out, in]; AWQ stores [in, out].
  TPSIM_ASSIGN_OR_RETURN(q.qkv_proj, QuantizeAwq(w.qkv_proj.transpose(), group_size));
  TPSIM_ASSIGN_OR_RETURN(q.o_proj, QuantizeAwq(w.o_proj.transpose(), group_size));
  TPSIM_ASSIGN_OR_RETURN(q.gate_up_proj, QuantizeAwq(w.gate_up_proj.transpose(), group_size));
  TPSIM_ASSIGN_OR_RETURN(q.down_proj, QuantizeAwq(w.down_proj.transpose(), group_size));
  return q;
}

Qwen3LayerWeights DequantizeQwen3Layer(const AwqQwen3Layer& q) {
  Qwen3LayerWeights w;
  w.dims = q.dims;
  w.input_layernorm = q.input_layernorm;
  w.q_norm = q.q_norm;
  w.k_norm = q.k_norm;
  w.post_attention_layernorm = q.post_attention_layernorm;
  w.qkv_proj = DequantizeAwq(q.qkv_proj).transpose();
  w.o_proj = DequantizeAwq(q.o_proj).transpose();
  w.gate_up_proj = DequantizeAwq(q.gate_up_proj).transpose();
  w.down_proj = DequantizeAwq(q.down_proj).transpose();
  return w;
}

StatusOr<AwqQwen3Layer> ShardAwqQwen3Layer(const AwqQwen3Layer& full, int tp, int rank) {
  TPSIM_ASSIGN_OR_RETURN(const RankSlice s, ComputeRankSlice(full.dims, tp, rank));
  const Eigen::Index h = full.dims.hidden_size;
  const Eigen::Index hd = full.dims.head_dim;
  const Eigen::Index q_full = static_cast<Eigen::Index>(full.dims.num_heads) * hd;
  const Eigen::Index kv_full = static_cast<Eigen::Index>(full.dims.num_kv_heads) * hd;
  const Eigen::Index q_cols = s.num_q_heads * hd;
  const Eigen::Index kv_cols = s.num_kv_heads * hd;
  const Eigen::Index i_full = full.dims.intermediate_size;
  const Eigen::Index i_cols = s.intermediate_size;
  const int g = full.qkv_proj.group_size;

  // vLLM's create_weights checks, in module construction order.
  TPSIM_RETURN_IF_ERROR(CheckAwqPartition(h, q_cols + 2 * kv_cols, g));            // qkv_proj
  TPSIM_RETURN_IF_ERROR(CheckAwqPartition(q_cols, h, full.o_proj.group_size));     // o_proj
  TPSIM_RETURN_IF_ERROR(CheckAwqPartition(h, 2 * i_cols, full.gate_up_proj.group_size));
  TPSIM_RETURN_IF_ERROR(CheckAwqPartition(i_cols, h, full.down_proj.group_size));  // down_proj

  AwqQwen3Layer r;
  r.dims = full.dims;
  r.dims.num_heads = s.num_q_heads;
  r.dims.num_kv_heads = s.num_kv_heads;
  r.dims.intermediate_size = s.intermediate_size;
  r.input_layernorm = full.input_layernorm;
  r.q_norm = full.q_norm;
  r.k_norm = full.k_norm;
  r.post_attention_layernorm = full.post_attention_layernorm;

  std::vector<AwqTensor> qkv(3);
  TPSIM_ASSIGN_OR_RETURN(qkv[0], AwqColumnSlice(full.qkv_proj, s.q_head_begin * hd, q_cols));
  TPSIM_ASSIGN_OR_RETURN(qkv[1],
                         AwqColumnSlice(full.qkv_proj, q_full + s.kv_head_begin * hd, kv_cols));
  TPSIM_ASSIGN_OR_RETURN(
      qkv[2], AwqColumnSlice(full.qkv_proj, q_full + kv_full + s.kv_head_begin * hd, kv_cols));
  TPSIM_ASSIGN_OR_RETURN(r.qkv_proj, AwqConcatColumns(qkv));

  TPSIM_ASSIGN_OR_RETURN(r.o_proj, AwqRowSlice(full.o_proj, s.q_head_begin * hd, q_cols));

  std::vector<AwqTensor> gate_up(2);
  TPSIM_ASSIGN_OR_RETURN(gate_up[0],
                         AwqColumnSlice(full.gate_up_proj, s.intermediate_begin, i_cols));
  TPSIM_ASSIGN_OR_RETURN(
      gate_up[1], AwqColumnSlice(full.gate_up_proj, i_full + s.intermediate_begin, i_cols));
  TPSIM_ASSIGN_OR_RETURN(r.gate_up_proj, AwqConcatColumns(gate_up));

  TPSIM_ASSIGN_OR_RETURN(r.down_proj, AwqRowSlice(full.down_proj, s.intermediate_begin, i_cols));
  return r;
}

}  // namespace tpsim::ref
