// Row-wise kernels of the reference decoder: RMSNorm, per-head RMSNorm, linear, SiLU-and-mul.
#include "kernels/reference/tensor_ops.h"

#include <cmath>

namespace tpsim::ref {

Matrix RmsNorm(const Matrix& x, const Vector& weight, float eps) {
  Matrix y(x.rows(), x.cols());
  const float inv_cols = 1.0f / static_cast<float>(x.cols());
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const float mean_square = x.row(t).squaredNorm() * inv_cols;
    const float inv_rms = 1.0f / std::sqrt(mean_square + eps);
    y.row(t) = (x.row(t) * inv_rms).cwiseProduct(weight.transpose());
  }
  return y;
}

Matrix PerHeadRmsNorm(const Matrix& x, int head_dim, const Vector& weight, float eps) {
  const Eigen::Index heads = x.cols() / head_dim;
  // [T, n * hd] row-major is [T * n, hd] row-major with the same storage.
  Eigen::Map<const Matrix> by_head(x.data(), x.rows() * heads, head_dim);
  Matrix normed = RmsNorm(by_head, weight, eps);
  return Eigen::Map<Matrix>(normed.data(), x.rows(), x.cols());
}

Matrix Linear(const Matrix& x, const Matrix& weight) { return x * weight.transpose(); }

Matrix SiluAndMul(const Matrix& gate_up) {
  const Eigen::Index inter = gate_up.cols() / 2;
  const auto gate = gate_up.leftCols(inter).array();
  const auto up = gate_up.rightCols(inter).array();
  Matrix out = (gate / (1.0f + (-gate).exp()) * up).matrix();
  return out;
}

float MaxAbsDiff(const Matrix& a, const Matrix& b) {
  if (a.size() == 0) return 0.0f;
  return (a - b).cwiseAbs().maxCoeff();
}

float MaxAbs(const Matrix& a) {
  if (a.size() == 0) return 0.0f;
  return a.cwiseAbs().maxCoeff();
}

}  // namespace tpsim::ref
