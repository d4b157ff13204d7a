// The MoE block built from the reference kernels: validation, routed and shared experts, random
// initialisation.
#include "kernels/reference/moe_layer.h"

#include <cmath>
#include <random>
#include <string>

namespace tpsim::ref {
namespace {

std::string Str(Eigen::Index v) { return std::to_string(v); }

Status ExpectShape(const std::string& name, const Matrix& m, Eigen::Index rows,
                   Eigen::Index cols) {
  if (m.rows() == rows && m.cols() == cols) return Status::Ok();
  return Status::InvalidArgument(name + " is [" + Str(m.rows()) + ", " + Str(m.cols()) +
                                 "], expected [" + Str(rows) + ", " + Str(cols) + "]");
}

Status ValidateDims(const MoeLayerDims& d) {
  if (d.hidden_size <= 0 || d.num_experts <= 0 || d.top_k <= 0 || d.moe_intermediate_size <= 0 ||
      d.shared_expert_intermediate_size < 0) {
    return Status::InvalidArgument("MoE block dimensions must be positive");
  }
  if (d.top_k > d.num_experts) {
    return Status::InvalidArgument("top_k " + Str(d.top_k) + " exceeds num_experts " +
                                   Str(d.num_experts));
  }
  return Status::Ok();
}

Status ValidateSharedExpert(const MoeLayerWeights& w) {
  const Eigen::Index h = w.dims.hidden_size;
  const Eigen::Index is = w.dims.shared_expert_intermediate_size;
  if (is == 0) {
    if (w.shared_gate_up.size() != 0 || w.shared_down.size() != 0 ||
        w.shared_expert_gate.size() != 0) {
      return Status::InvalidArgument(
          "shared-expert tensors present but shared_expert_intermediate_size is 0");
    }
    return Status::Ok();
  }
  TPSIM_RETURN_IF_ERROR(ExpectShape("shared_expert.gate_up_proj", w.shared_gate_up, 2 * is, h));
  TPSIM_RETURN_IF_ERROR(ExpectShape("shared_expert.down_proj", w.shared_down, h, is));
  return ExpectShape("shared_expert_gate", w.shared_expert_gate, 1, h);
}

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, float bound, std::mt19937* gen) {
  std::uniform_real_distribution<float> dist(-bound, bound);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(*gen);
  return m;
}

float InvSqrt(Eigen::Index n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

}  // namespace

Status ValidateMoeLayer(const MoeLayerWeights& w) {
  const MoeLayerDims& d = w.dims;
  TPSIM_RETURN_IF_ERROR(ValidateDims(d));
  const Eigen::Index h = d.hidden_size;
  const Eigen::Index inter = d.moe_intermediate_size;
  TPSIM_RETURN_IF_ERROR(ExpectShape("gate", w.gate, d.num_experts, h));
  int previous = -1;
  for (const MoeExpertWeights& e : w.experts) {
    if (e.expert_id <= previous || e.expert_id >= d.num_experts) {
      return Status::InvalidArgument("expert ids must be distinct, ascending and in [0, " +
                                     Str(d.num_experts) + "); got " + Str(e.expert_id) +
                                     " after " + Str(previous));
    }
    previous = e.expert_id;
    const std::string name = "experts." + Str(e.expert_id);
    TPSIM_RETURN_IF_ERROR(ExpectShape(name + ".w13", e.w13, 2 * inter, h));
    TPSIM_RETURN_IF_ERROR(ExpectShape(name + ".w2", e.w2, h, inter));
  }
  return ValidateSharedExpert(w);
}

Matrix MoeExpertForward(const MoeExpertWeights& e, const Matrix& x) {
  return Linear(SiluAndMul(Linear(x, e.w13)), e.w2);
}

Matrix RoutedExpertsForward(const MoeLayerWeights& w, const Matrix& x, const MoeRouting& routing) {
  Matrix out = Matrix::Zero(x.rows(), w.dims.hidden_size);
  std::vector<Eigen::Index> rows;
  std::vector<float> weights;
  for (const MoeExpertWeights& e : w.experts) {
    // Gather the tokens that chose this expert (moe_align_block_size's sorted_token_ids).
    rows.clear();
    weights.clear();
    for (Eigen::Index t = 0; t < routing.expert_ids.rows(); ++t) {
      for (Eigen::Index j = 0; j < routing.expert_ids.cols(); ++j) {
        if (routing.expert_ids(t, j) != e.expert_id) continue;
        rows.push_back(t);
        weights.push_back(routing.weights(t, j));
      }
    }
    if (rows.empty()) continue;
    Matrix gathered(static_cast<Eigen::Index>(rows.size()), x.cols());
    for (size_t i = 0; i < rows.size(); ++i) gathered.row(i) = x.row(rows[i]);
    const Matrix y = MoeExpertForward(e, gathered);
    // The weighted sum over the k choices (moe_sum after the down projection).
    for (size_t i = 0; i < rows.size(); ++i) out.row(rows[i]) += weights[i] * y.row(i);
  }
  return out;
}

Matrix SharedExpertForward(const MoeLayerWeights& w, const Matrix& x) {
  if (w.dims.shared_expert_intermediate_size == 0) {
    return Matrix::Zero(x.rows(), w.dims.hidden_size);
  }
  const Matrix y = Linear(SiluAndMul(Linear(x, w.shared_gate_up)), w.shared_down);
  const Eigen::ArrayXf logit = Linear(x, w.shared_expert_gate).col(0).array();
  const Eigen::ArrayXf gate = 1.0f / (1.0f + (-logit).exp());
  Matrix out = y;
  for (Eigen::Index t = 0; t < out.rows(); ++t) out.row(t) *= gate(t);
  return out;
}

Matrix MoeBlockPartialForward(const MoeLayerWeights& w, const Matrix& x) {
  const MoeRouting routing =
      SoftmaxTopK(Linear(x, w.gate), w.dims.top_k, w.dims.norm_topk_prob);
  return RoutedExpertsForward(w, x, routing) + SharedExpertForward(w, x);
}

StatusOr<Matrix> MoeBlockForward(const MoeLayerWeights& w, const Matrix& x) {
  TPSIM_RETURN_IF_ERROR(ValidateMoeLayer(w));
  if (static_cast<int>(w.experts.size()) != w.dims.num_experts) {
    return Status::InvalidArgument("the unsharded block needs all " + Str(w.dims.num_experts) +
                                   " experts, holds " + Str(w.experts.size()));
  }
  if (x.cols() != w.dims.hidden_size) {
    return Status::InvalidArgument("x has " + Str(x.cols()) + " columns, expected hidden_size " +
                                   Str(w.dims.hidden_size));
  }
  return MoeBlockPartialForward(w, x);
}

MoeLayerWeights RandomMoeLayer(const MoeLayerDims& dims, std::uint32_t seed) {
  std::mt19937 gen(seed);
  const Eigen::Index h = dims.hidden_size;
  const Eigen::Index inter = dims.moe_intermediate_size;
  const Eigen::Index is = dims.shared_expert_intermediate_size;
  MoeLayerWeights w;
  w.dims = dims;
  w.gate = RandomMatrix(dims.num_experts, h, 4.0f * InvSqrt(h), &gen);
  w.experts.resize(dims.num_experts);
  for (int e = 0; e < dims.num_experts; ++e) {
    w.experts[e].expert_id = e;
    w.experts[e].w13 = RandomMatrix(2 * inter, h, InvSqrt(h), &gen);
    w.experts[e].w2 = RandomMatrix(h, inter, InvSqrt(inter), &gen);
  }
  if (is > 0) {
    w.shared_gate_up = RandomMatrix(2 * is, h, InvSqrt(h), &gen);
    w.shared_down = RandomMatrix(h, is, InvSqrt(is), &gen);
    w.shared_expert_gate = RandomMatrix(1, h, InvSqrt(h), &gen);
  }
  return w;
}

}  // namespace tpsim::ref
