// Elementwise and row-wise building blocks of the CPU reference decoder layer (float32, Eigen).
//
// Contract: every tensor is a row-major float32 Eigen matrix whose rows are tokens; weights use
// PyTorch's nn.Linear layout [out_features, in_features]. These kernels exist to prove the
// tensor-parallel sharding of tpsim correct on the CPU, not to be fast: they follow the maths of
// vLLM's PyTorch reference paths (RMSNorm.forward_native, SiluAndMul.forward_native) exactly and
// never allocate more than their result. Preconditions are stated as REQUIRES and are the caller's
// job (the layer-level entry points validate shapes and return Status).
#ifndef TPSIM_KERNELS_REFERENCE_TENSOR_OPS_H_
#define TPSIM_KERNELS_REFERENCE_TENSOR_OPS_H_

#include <Eigen/Dense>

namespace tpsim::ref {

// Row-major so that a row is one token's activation, as in PyTorch's [T, D] tensors.
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

// RMSNorm of every row: y[t, i] = x[t, i] / sqrt(mean_i(x[t, :]^2) + eps) * weight[i].
// REQUIRES: weight.size() == x.cols().
Matrix RmsNorm(const Matrix& x, const Vector& weight, float eps);

// Qwen3's q_norm / k_norm: x [T, n * head_dim] is viewed as [T, n, head_dim] and every head's
// head_dim-slice is RMS-normalised with the shared weight [head_dim].
// REQUIRES: head_dim > 0, x.cols() % head_dim == 0, weight.size() == head_dim.
Matrix PerHeadRmsNorm(const Matrix& x, int head_dim, const Vector& weight, float eps);

// nn.Linear without bias: y = x * weight^T. x [T, in], weight [out, in] -> y [T, out].
// REQUIRES: weight.cols() == x.cols().
Matrix Linear(const Matrix& x, const Matrix& weight);

// vLLM's SiluAndMul: gate_up [T, 2I] holds gate in columns [0, I) and up in [I, 2I);
// returns silu(gate) * up, [T, I], with silu(g) = g / (1 + exp(-g)).
// REQUIRES: gate_up.cols() is even.
Matrix SiluAndMul(const Matrix& gate_up);

// max |a - b| over all elements. REQUIRES: same shape.
float MaxAbsDiff(const Matrix& a, const Matrix& b);

// max |a| over all elements (0 for an empty matrix).
float MaxAbs(const Matrix& a);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_TENSOR_OPS_H_
