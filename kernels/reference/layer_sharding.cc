// vLLM's tensor-parallel split of a Qwen3 layer (heads, kv replication, intermediate columns) and
// the sum-all-reduce forward over the shards.
#include "kernels/reference/layer_sharding.h"

#include <string>

namespace tpsim::ref {
namespace {

std::string Str(int v) { return std::to_string(v); }

}  // namespace

Status CheckTensorParallelSplit(int num_heads, int num_kv_heads, int tp) {
  if (tp < 1) return Status::InvalidArgument("tensor parallel size must be >= 1, got " + Str(tp));
  if (num_heads <= 0 || num_kv_heads <= 0) {
    return Status::InvalidArgument("head counts must be positive");
  }
  if (num_heads % tp != 0) {
    return Status::InvalidArgument("Total number of attention heads (" + Str(num_heads) +
                                   ") must be divisible by tensor parallel size (" + Str(tp) +
                                   ").");
  }
  if (num_kv_heads >= tp && num_kv_heads % tp != 0) {
    return Status::InvalidArgument(
        "AssertionError: self.total_num_kv_heads % tp_size == 0 (num_key_value_heads " +
        Str(num_kv_heads) + ", tensor parallel size " + Str(tp) + ")");
  }
  if (num_kv_heads < tp && tp % num_kv_heads != 0) {
    return Status::InvalidArgument(
        "AssertionError: tp_size % self.total_num_kv_heads == 0 (tensor parallel size " + Str(tp) +
        ", num_key_value_heads " + Str(num_kv_heads) + ")");
  }
  return Status::Ok();
}

StatusOr<RankSlice> ComputeRankSlice(const Qwen3LayerDims& full, int tp, int rank) {
  TPSIM_RETURN_IF_ERROR(CheckTensorParallelSplit(full.num_heads, full.num_kv_heads, tp));
  if (rank < 0 || rank >= tp) {
    return Status::InvalidArgument("rank " + Str(rank) + " outside [0, " + Str(tp) + ")");
  }
  if (full.intermediate_size % tp != 0) {
    // vllm/distributed/utils.py ensure_divisibility, reached through divide() in
    // MergedColumnParallelLinear / RowParallelLinear.
    return Status::InvalidArgument(Str(full.intermediate_size) + " is not divisible by " +
                                   Str(tp));
  }
  RankSlice s;
  s.num_q_heads = full.num_heads / tp;
  s.q_head_begin = rank * s.num_q_heads;
  if (tp >= full.num_kv_heads) {
    // QKVParallelLinear: num_kv_heads = 1, num_kv_head_replicas = tp / total_num_kv_heads; the
    // weight loader takes shard tp_rank // num_kv_head_replicas.
    s.num_kv_heads = 1;
    s.kv_replicas = tp / full.num_kv_heads;
    s.kv_head_begin = rank / s.kv_replicas;
  } else {
    s.num_kv_heads = full.num_kv_heads / tp;
    s.kv_replicas = 1;
    s.kv_head_begin = rank * s.num_kv_heads;
  }
  s.intermediate_size = full.intermediate_size / tp;
  s.intermediate_begin = rank * s.intermediate_size;
  return s;
}

StatusOr<Qwen3LayerWeights> ShardQwen3Layer(const Qwen3LayerWeights& full, int tp, int rank) {
  TPSIM_RETURN_IF_ERROR(ValidateQwen3Layer(full));
  TPSIM_ASSIGN_OR_RETURN(const RankSlice s, ComputeRankSlice(full.dims, tp, rank));
  const Eigen::Index hd = full.dims.head_dim;
  const Eigen::Index q_full = static_cast<Eigen::Index>(full.dims.num_heads) * hd;
  const Eigen::Index kv_full = static_cast<Eigen::Index>(full.dims.num_kv_heads) * hd;
  const Eigen::Index q_begin = s.q_head_begin * hd;
  const Eigen::Index q_rows = s.num_q_heads * hd;
  const Eigen::Index kv_begin = s.kv_head_begin * hd;
  const Eigen::Index kv_rows = s.num_kv_heads * hd;
  const Eigen::Index i_full = full.dims.intermediate_size;
  const Eigen::Index i_begin = s.intermediate_begin;
  const Eigen::Index i_rows = s.intermediate_size;

  Qwen3LayerWeights w;
  w.dims = full.dims;
  w.dims.num_heads = s.num_q_heads;
  w.dims.num_kv_heads = s.num_kv_heads;
  w.dims.intermediate_size = s.intermediate_size;
  w.input_layernorm = full.input_layernorm;
  w.q_norm = full.q_norm;
  w.k_norm = full.k_norm;
  w.post_attention_layernorm = full.post_attention_layernorm;

  w.qkv_proj.resize(q_rows + 2 * kv_rows, full.dims.hidden_size);
  w.qkv_proj.topRows(q_rows) = full.qkv_proj.middleRows(q_begin, q_rows);
  w.qkv_proj.middleRows(q_rows, kv_rows) = full.qkv_proj.middleRows(q_full + kv_begin, kv_rows);
  w.qkv_proj.bottomRows(kv_rows) = full.qkv_proj.middleRows(q_full + kv_full + kv_begin, kv_rows);
  w.o_proj = full.o_proj.middleCols(q_begin, q_rows);

  w.gate_up_proj.resize(2 * i_rows, full.dims.hidden_size);
  w.gate_up_proj.topRows(i_rows) = full.gate_up_proj.middleRows(i_begin, i_rows);
  w.gate_up_proj.bottomRows(i_rows) = full.gate_up_proj.middleRows(i_full + i_begin, i_rows);
  w.down_proj = full.down_proj.middleCols(i_begin, i_rows);
  return w;
}

StatusOr<Matrix> TensorParallelQwen3LayerForward(const std::vector<Qwen3LayerWeights>& ranks,
                                                 const Matrix& hidden,
                                                 const std::vector<int>& positions,
                                                 const Matrix& cos_sin, float rms_norm_eps) {
  if (ranks.empty()) return Status::InvalidArgument("no ranks to run");
  for (const Qwen3LayerWeights& w : ranks) {
    TPSIM_RETURN_IF_ERROR(ValidateQwen3Layer(w));
    if (w.dims.hidden_size != ranks[0].dims.hidden_size ||
        w.dims.head_dim != ranks[0].dims.head_dim) {
      return Status::InvalidArgument("shards disagree on hidden_size or head_dim");
    }
  }
  TPSIM_RETURN_IF_ERROR(ValidateLayerInputs(ranks[0].dims, hidden, positions, cos_sin));

  // Attention: every rank normalises the (replicated) hidden state with its own copy of the norm,
  // runs its heads, and the o_proj partial sums are all-reduced.
  Matrix attn_sum = Matrix::Zero(hidden.rows(), hidden.cols());
  for (const Qwen3LayerWeights& w : ranks) {
    const Matrix normed = RmsNorm(hidden, w.input_layernorm, rms_norm_eps);
    attn_sum += Qwen3AttentionForward(w, normed, positions, cos_sin, rms_norm_eps);
  }
  const Matrix residual = hidden + attn_sum;

  Matrix mlp_sum = Matrix::Zero(hidden.rows(), hidden.cols());
  for (const Qwen3LayerWeights& w : ranks) {
    const Matrix normed = RmsNorm(residual, w.post_attention_layernorm, rms_norm_eps);
    mlp_sum += Qwen3MlpForward(w, normed);
  }
  Matrix out = residual + mlp_sum;
  return out;
}

StatusOr<Matrix> ShardedQwen3LayerForward(const Qwen3LayerWeights& full, int tp,
                                          const Matrix& hidden, const std::vector<int>& positions,
                                          const Matrix& cos_sin, float rms_norm_eps) {
  TPSIM_RETURN_IF_ERROR(CheckTensorParallelSplit(full.dims.num_heads, full.dims.num_kv_heads, tp));
  std::vector<Qwen3LayerWeights> ranks;
  ranks.reserve(tp);
  for (int r = 0; r < tp; ++r) {
    TPSIM_ASSIGN_OR_RETURN(Qwen3LayerWeights w, ShardQwen3Layer(full, tp, r));
    ranks.push_back(std::move(w));
  }
  return TensorParallelQwen3LayerForward(ranks, hidden, positions, cos_sin, rms_norm_eps);
}

}  // namespace tpsim::ref
