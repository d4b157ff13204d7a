// The Qwen3 decoder layer built from the reference kernels, plus shape validation and random init.
#include "kernels/reference/qwen3_layer.h"

#include <cmath>
#include <random>
#include <string>

#include "kernels/reference/attention.h"
#include "kernels/reference/rotary.h"

namespace tpsim::ref {
namespace {

Status CheckShape(const char* name, Eigen::Index rows, Eigen::Index cols, Eigen::Index want_rows,
                  Eigen::Index want_cols) {
  if (rows == want_rows && cols == want_cols) return Status::Ok();
  return Status::InvalidArgument(std::string(name) + " is [" + std::to_string(rows) + ", " +
                                 std::to_string(cols) + "], expected [" +
                                 std::to_string(want_rows) + ", " + std::to_string(want_cols) +
                                 "]");
}

Matrix RandomMatrix(Eigen::Index rows, Eigen::Index cols, float bound, std::mt19937* gen) {
  std::uniform_real_distribution<float> dist(-bound, bound);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(*gen);
  return m;
}

Vector RandomNormWeight(Eigen::Index size, std::mt19937* gen) {
  std::uniform_real_distribution<float> dist(0.5f, 1.5f);
  Vector v(size);
  for (Eigen::Index i = 0; i < size; ++i) v(i) = dist(*gen);
  return v;
}

}  // namespace

Status ValidateQwen3Layer(const Qwen3LayerWeights& w) {
  const Qwen3LayerDims& d = w.dims;
  if (d.hidden_size <= 0 || d.num_heads <= 0 || d.num_kv_heads <= 0 || d.head_dim <= 0 ||
      d.intermediate_size <= 0) {
    return Status::InvalidArgument("layer dimensions must be positive");
  }
  if (d.num_heads % d.num_kv_heads != 0) {
    return Status::InvalidArgument("num_heads (" + std::to_string(d.num_heads) +
                                   ") is not a multiple of num_kv_heads (" +
                                   std::to_string(d.num_kv_heads) + ")");
  }
  const Eigen::Index h = d.hidden_size;
  const Eigen::Index hd = d.head_dim;
  const Eigen::Index q = static_cast<Eigen::Index>(d.num_heads) * hd;
  const Eigen::Index kv = static_cast<Eigen::Index>(d.num_kv_heads) * hd;
  const Eigen::Index inter = d.intermediate_size;
  TPSIM_RETURN_IF_ERROR(CheckShape("input_layernorm", w.input_layernorm.size(), 1, h, 1));
  TPSIM_RETURN_IF_ERROR(
      CheckShape("qkv_proj", w.qkv_proj.rows(), w.qkv_proj.cols(), q + 2 * kv, h));
  TPSIM_RETURN_IF_ERROR(CheckShape("q_norm", w.q_norm.size(), 1, hd, 1));
  TPSIM_RETURN_IF_ERROR(CheckShape("k_norm", w.k_norm.size(), 1, hd, 1));
  TPSIM_RETURN_IF_ERROR(CheckShape("o_proj", w.o_proj.rows(), w.o_proj.cols(), h, q));
  TPSIM_RETURN_IF_ERROR(
      CheckShape("post_attention_layernorm", w.post_attention_layernorm.size(), 1, h, 1));
  TPSIM_RETURN_IF_ERROR(
      CheckShape("gate_up_proj", w.gate_up_proj.rows(), w.gate_up_proj.cols(), 2 * inter, h));
  TPSIM_RETURN_IF_ERROR(
      CheckShape("down_proj", w.down_proj.rows(), w.down_proj.cols(), h, inter));
  return Status::Ok();
}

Status ValidateLayerInputs(const Qwen3LayerDims& dims, const Matrix& hidden,
                           const std::vector<int>& positions, const Matrix& cos_sin) {
  if (hidden.cols() != dims.hidden_size) {
    return Status::InvalidArgument("hidden has " + std::to_string(hidden.cols()) +
                                   " columns, expected hidden_size " +
                                   std::to_string(dims.hidden_size));
  }
  if (static_cast<Eigen::Index>(positions.size()) != hidden.rows()) {
    return Status::InvalidArgument("need one position per token: " +
                                   std::to_string(positions.size()) + " positions for " +
                                   std::to_string(hidden.rows()) + " tokens");
  }
  for (int p : positions) {
    if (p < 0 || p >= cos_sin.rows()) {
      return Status::InvalidArgument("position " + std::to_string(p) +
                                     " is outside the rotary cache of " +
                                     std::to_string(cos_sin.rows()) + " positions");
    }
  }
  if (cos_sin.cols() > dims.head_dim || cos_sin.cols() % 2 != 0 || cos_sin.cols() == 0) {
    return Status::InvalidArgument("rotary_dim " + std::to_string(cos_sin.cols()) +
                                   " must be even, positive and at most head_dim " +
                                   std::to_string(dims.head_dim));
  }
  return Status::Ok();
}

Matrix Qwen3AttentionForward(const Qwen3LayerWeights& w, const Matrix& normed,
                             const std::vector<int>& positions, const Matrix& cos_sin,
                             float rms_norm_eps) {
  const Qwen3LayerDims& d = w.dims;
  const Eigen::Index q_size = static_cast<Eigen::Index>(d.num_heads) * d.head_dim;
  const Eigen::Index kv_size = static_cast<Eigen::Index>(d.num_kv_heads) * d.head_dim;
  const Matrix qkv = Linear(normed, w.qkv_proj);
  Matrix q = PerHeadRmsNorm(qkv.leftCols(q_size), d.head_dim, w.q_norm, rms_norm_eps);
  Matrix k = PerHeadRmsNorm(qkv.middleCols(q_size, kv_size), d.head_dim, w.k_norm, rms_norm_eps);
  const Matrix v = qkv.rightCols(kv_size);
  ApplyNeoxRotary(positions, cos_sin, d.head_dim, &q);
  ApplyNeoxRotary(positions, cos_sin, d.head_dim, &k);
  const Matrix attn = CausalGqaAttention(q, k, v, d.num_heads, d.num_kv_heads, d.head_dim);
  return Linear(attn, w.o_proj);
}

Matrix Qwen3MlpForward(const Qwen3LayerWeights& w, const Matrix& normed) {
  return Linear(SiluAndMul(Linear(normed, w.gate_up_proj)), w.down_proj);
}

StatusOr<Matrix> Qwen3DecoderLayerForward(const Qwen3LayerWeights& w, const Matrix& hidden,
                                          const std::vector<int>& positions,
                                          const Matrix& cos_sin, float rms_norm_eps) {
  TPSIM_RETURN_IF_ERROR(ValidateQwen3Layer(w));
  TPSIM_RETURN_IF_ERROR(ValidateLayerInputs(w.dims, hidden, positions, cos_sin));
  const Matrix attn_normed = RmsNorm(hidden, w.input_layernorm, rms_norm_eps);
  const Matrix residual =
      hidden + Qwen3AttentionForward(w, attn_normed, positions, cos_sin, rms_norm_eps);
  const Matrix mlp_normed = RmsNorm(residual, w.post_attention_layernorm, rms_norm_eps);
  Matrix out = residual + Qwen3MlpForward(w, mlp_normed);
  return out;
}

Qwen3LayerWeights RandomQwen3Layer(const Qwen3LayerDims& dims, std::uint32_t seed) {
  std::mt19937 gen(seed);
  const Eigen::Index h = dims.hidden_size;
  const Eigen::Index q = static_cast<Eigen::Index>(dims.num_heads) * dims.head_dim;
  const Eigen::Index kv = static_cast<Eigen::Index>(dims.num_kv_heads) * dims.head_dim;
  const Eigen::Index inter = dims.intermediate_size;
  auto bound = [](Eigen::Index in) { return 1.0f / std::sqrt(static_cast<float>(in)); };
  Qwen3LayerWeights w;
  w.dims = dims;
  w.input_layernorm = RandomNormWeight(h, &gen);
  w.qkv_proj = RandomMatrix(q + 2 * kv, h, bound(h), &gen);
  w.q_norm = RandomNormWeight(dims.head_dim, &gen);
  w.k_norm = RandomNormWeight(dims.head_dim, &gen);
  w.o_proj = RandomMatrix(h, q, bound(q), &gen);
  w.post_attention_layernorm = RandomNormWeight(h, &gen);
  w.gate_up_proj = RandomMatrix(2 * inter, h, bound(h), &gen);
  w.down_proj = RandomMatrix(h, inter, bound(inter), &gen);
  return w;
}

}  // namespace tpsim::ref
