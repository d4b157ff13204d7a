// vLLM's MoE parallel sizes, expert placement, split refusals, per-device weights and the
// sum-over-devices forward.
#include "kernels/reference/moe_sharding.h"

#include <string>

namespace tpsim::ref {
namespace {

std::string Str(long long v) { return std::to_string(v); }

bool UsesEp(const MoeParallelism& p) {
  return p.data_parallel_size * p.tensor_parallel_size > 1 && p.enable_expert_parallel;
}

// Rows [begin, begin + count) of both halves of w13 [2I, H] (FusedMoE.weight_loader narrows w1
// and w3 the same way, then stores them as the two halves of the rank's w13).
Matrix SliceGateUp(const Matrix& w13, Eigen::Index full_inter, Eigen::Index begin,
                   Eigen::Index count) {
  Matrix out(2 * count, w13.cols());
  out.topRows(count) = w13.middleRows(begin, count);
  out.bottomRows(count) = w13.middleRows(full_inter + begin, count);
  return out;
}

void ShardSharedExpert(const MoeLayerWeights& full, int tp, int tp_rank, MoeLayerWeights* w) {
  const Eigen::Index is_full = full.dims.shared_expert_intermediate_size;
  if (is_full == 0) return;
  const Eigen::Index is = is_full / tp;
  w->dims.shared_expert_intermediate_size = static_cast<int>(is);
  w->shared_gate_up = SliceGateUp(full.shared_gate_up, is_full, tp_rank * is, is);
  w->shared_down = full.shared_down.middleCols(tp_rank * is, is);
  w->shared_expert_gate = full.shared_expert_gate;
}

Status CheckTokens(const std::vector<Matrix>& tokens, const MoeParallelism& p, int hidden) {
  if (static_cast<int>(tokens.size()) != p.data_parallel_size) {
    return Status::InvalidArgument("need one token batch per DP replica: " + Str(tokens.size()) +
                                   " batches for data parallel size " +
                                   Str(p.data_parallel_size));
  }
  for (const Matrix& x : tokens) {
    if (x.cols() != hidden) {
      return Status::InvalidArgument("a token batch has " + Str(x.cols()) +
                                     " columns, expected hidden_size " + Str(hidden));
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<FusedMoeParallel> MakeFusedMoeParallel(const MoeParallelism& p, int dp_rank,
                                                int tp_rank) {
  const int tp = p.tensor_parallel_size;
  const int dp = p.data_parallel_size;
  if (tp < 1 || dp < 1) {
    return Status::InvalidArgument("tensor and data parallel sizes must be >= 1, got tp " +
                                   Str(tp) + ", dp " + Str(dp));
  }
  if (dp_rank < 0 || dp_rank >= dp || tp_rank < 0 || tp_rank >= tp) {
    return Status::InvalidArgument("device (dp " + Str(dp_rank) + ", tp " + Str(tp_rank) +
                                   ") outside dp " + Str(dp) + " x tp " + Str(tp));
  }
  FusedMoeParallel c;
  c.dp_size = dp;
  c.dp_rank = dp_rank;
  // flatten_tp_across_dp
  const int flat_size = dp * tp;
  const int flat_rank = dp_rank * tp + tp_rank;
  c.use_ep = UsesEp(p);
  if (c.use_ep) {
    c.ep_size = flat_size;
    c.ep_rank = flat_rank;
  } else {
    c.tp_size = flat_size;
    c.tp_rank = flat_rank;
  }
  return c;
}

std::vector<int> ExpertMap::LocalExperts() const {
  std::vector<int> local(local_num_experts, -1);
  for (int e = 0; e < static_cast<int>(global_to_local.size()); ++e) {
    if (global_to_local[e] >= 0) local[global_to_local[e]] = e;
  }
  return local;
}

StatusOr<ExpertMap> DetermineExpertMap(int ep_size, int ep_rank, int global_num_experts,
                                       ExpertPlacement placement) {
  if (ep_size < 1 || ep_rank < 0 || ep_rank >= ep_size || global_num_experts < 1) {
    return Status::InvalidArgument("expert map needs ep_size >= 1, 0 <= ep_rank < ep_size and "
                                   "experts >= 1; got ep_size " + Str(ep_size) + ", ep_rank " +
                                   Str(ep_rank) + ", experts " + Str(global_num_experts));
  }
  const int e_total = global_num_experts;
  ExpertMap m;
  m.global_to_local.assign(e_total, -1);
  const int base = e_total / ep_size;
  const int remainder = e_total % ep_size;
  int start = 0;
  int stride = 1;
  switch (placement) {
    case ExpertPlacement::kLinear:
      m.local_num_experts = ep_rank < remainder ? base + 1 : base;
      start = ep_rank * base + (ep_rank < remainder ? ep_rank : remainder);
      break;
    case ExpertPlacement::kLinearRemainderOnLastRank:
      m.local_num_experts = ep_rank < ep_size - 1 ? base : e_total - ep_rank * base;
      start = ep_rank * base;
      break;
    case ExpertPlacement::kRoundRobin:
      m.local_num_experts = ep_rank < remainder ? base + 1 : base;
      start = ep_rank;
      stride = ep_size;
      break;
  }
  for (int i = 0; i < m.local_num_experts; ++i) m.global_to_local[start + i * stride] = i;
  return m;
}

Status CheckMoeSplit(const MoeLayerDims& full, const MoeParallelism& p, MoeModel model) {
  const int tp = p.tensor_parallel_size;
  const int dp = p.data_parallel_size;
  if (tp < 1 || dp < 1) {
    return Status::InvalidArgument("tensor and data parallel sizes must be >= 1, got tp " +
                                   Str(tp) + ", dp " + Str(dp));
  }
  if (full.num_experts < 1 || full.moe_intermediate_size < 1 || full.top_k < 1 ||
      full.shared_expert_intermediate_size < 0 || p.num_redundant_experts < 0) {
    return Status::InvalidArgument("MoE block dimensions must be positive");
  }
  const int experts = full.num_experts;
  if (model == MoeModel::kQwenMoe && tp > experts) {
    return Status::InvalidArgument("Tensor parallel size " + Str(tp) +
                                   " is greater than the number of experts " + Str(experts) +
                                   ".");
  }
  const bool use_ep = UsesEp(p);
  const int global_experts = experts + p.num_redundant_experts;
  if (use_ep && p.enable_eplb && global_experts % (dp * tp) != 0) {
    return Status::InvalidArgument(
        "AssertionError: EPLB currently only supports even distribution of experts across "
        "ranks.");
  }
  if (use_ep && !p.enable_eplb && p.num_redundant_experts != 0) {
    return Status::InvalidArgument(
        "AssertionError: Redundant experts are only supported with EPLB.");
  }
  const int tp_moe = use_ep ? 1 : dp * tp;
  if (full.moe_intermediate_size % tp_moe != 0) {
    return Status::InvalidArgument(
        "AssertionError: intermediate_size % self.tp_size == 0 (moe_intermediate_size " +
        Str(full.moe_intermediate_size) + ", experts' tensor parallel size " + Str(tp_moe) + ")");
  }
  if (full.top_k > experts) {
    return Status::InvalidArgument("AssertionError: top_k <= global_num_experts (" +
                                   Str(full.top_k) + " experts per token, " + Str(experts) +
                                   " experts)");
  }
  const int shared = full.shared_expert_intermediate_size;
  if (shared > 0 && shared % tp != 0) {
    // vllm/distributed/utils.py ensure_divisibility via MergedColumnParallelLinear.
    return Status::InvalidArgument(Str(shared) + " is not divisible by " + Str(tp));
  }
  return Status::Ok();
}

StatusOr<MoeLayerWeights> ShardMoeLayer(const MoeLayerWeights& full, const MoeParallelism& p,
                                        int dp_rank, int tp_rank, MoeModel model) {
  TPSIM_RETURN_IF_ERROR(CheckMoeSplit(full.dims, p, model));
  TPSIM_RETURN_IF_ERROR(ValidateMoeLayer(full));
  if (static_cast<int>(full.experts.size()) != full.dims.num_experts) {
    return Status::InvalidArgument("sharding needs the full block with all experts");
  }
  if (p.num_redundant_experts != 0) {
    return Status::InvalidArgument("redundant (EPLB) experts are not modelled by the reference");
  }
  TPSIM_ASSIGN_OR_RETURN(const FusedMoeParallel c, MakeFusedMoeParallel(p, dp_rank, tp_rank));
  MoeLayerWeights w;
  w.dims = full.dims;
  w.gate = full.gate;
  if (c.use_ep) {
    TPSIM_ASSIGN_OR_RETURN(const ExpertMap map, DetermineExpertMap(c.ep_size, c.ep_rank,
                                                                   full.dims.num_experts,
                                                                   p.placement));
    for (int e : map.LocalExperts()) w.experts.push_back(full.experts[e]);
  } else {
    const Eigen::Index i_full = full.dims.moe_intermediate_size;
    const Eigen::Index i_rank = i_full / c.tp_size;
    w.dims.moe_intermediate_size = static_cast<int>(i_rank);
    for (const MoeExpertWeights& e : full.experts) {
      MoeExpertWeights s;
      s.expert_id = e.expert_id;
      s.w13 = SliceGateUp(e.w13, i_full, c.tp_rank * i_rank, i_rank);
      s.w2 = e.w2.middleCols(c.tp_rank * i_rank, i_rank);
      w.experts.push_back(std::move(s));
    }
  }
  ShardSharedExpert(full, p.tensor_parallel_size, tp_rank, &w);
  TPSIM_RETURN_IF_ERROR(ValidateMoeLayer(w));
  return w;
}

StatusOr<std::vector<Matrix>> ShardedMoeBlockForward(const MoeLayerWeights& full,
                                                     const MoeParallelism& p,
                                                     const std::vector<Matrix>& tokens,
                                                     MoeModel model) {
  TPSIM_RETURN_IF_ERROR(CheckMoeSplit(full.dims, p, model));
  TPSIM_RETURN_IF_ERROR(CheckTokens(tokens, p, full.dims.hidden_size));
  // Dispatch: every device sees the tokens of all DP replicas, replica 0 first.
  Eigen::Index total = 0;
  for (const Matrix& x : tokens) total += x.rows();
  Matrix gathered(total, full.dims.hidden_size);
  std::vector<Eigen::Index> offsets;
  Eigen::Index offset = 0;
  for (const Matrix& x : tokens) {
    offsets.push_back(offset);
    gathered.middleRows(offset, x.rows()) = x;
    offset += x.rows();
  }
  Matrix routed = Matrix::Zero(total, full.dims.hidden_size);
  std::vector<Matrix> shared;
  for (int d = 0; d < p.data_parallel_size; ++d) {
    shared.push_back(Matrix::Zero(tokens[d].rows(), full.dims.hidden_size));
    for (int t = 0; t < p.tensor_parallel_size; ++t) {
      TPSIM_ASSIGN_OR_RETURN(const MoeLayerWeights w, ShardMoeLayer(full, p, d, t, model));
      const MoeRouting routing =
          SoftmaxTopK(Linear(gathered, w.gate), w.dims.top_k, w.dims.norm_topk_prob);
      routed += RoutedExpertsForward(w, gathered, routing);  // combine + TP all-reduce
      shared[d] += SharedExpertForward(w, tokens[d]);        // the replica's TP all-reduce
    }
  }
  std::vector<Matrix> out;
  for (int d = 0; d < p.data_parallel_size; ++d) {
    out.push_back(routed.middleRows(offsets[d], tokens[d].rows()) + shared[d]);
  }
  return out;
}

}  // namespace tpsim::ref
