// AWQ 4-bit weights in AutoAWQ's GEMM layout: packing, quantisation, dequantisation, and the slices
// vLLM's weight loaders cut from them under tensor parallelism.
//
// Layout (AutoAWQ WQLinear_GEMM; vLLM AWQLinearMethod.create_weights; research/
// vllm_memory_mechanism.md §6.1), for a linear with K inputs, N outputs and group size g:
//   qweight [K, N/8]   int32, 8 four-bit values per word along N
//   qzeros  [K/g, N/8] int32, packed the same way
//   scales  [K/g, N]   fp16 (held here as float32 values that are exactly representable in fp16)
//   w[k, n] = (q[k, n] - z[k/g, n]) * s[k/g, n]
// The weight is [K, N] = [in, out], the transpose of PyTorch's nn.Linear [out, in]. Hence a column-
// parallel split cuts N (qweight/qzeros columns in units of 8 values, scales columns) and a row-
// parallel split cuts K (qweight rows, qzeros/scales rows in units of g).
//
// Nibble order within a word: nibble i (bits 4i..4i+3) holds column 8c + kAwqPackOrder[i] of the
// word's 8 columns, kAwqPackOrder = {0, 2, 4, 6, 1, 3, 5, 7}. Read in AutoAWQ
// awq/modules/linear/gemm.py `WQLinear_GEMM.from_linear` (`order_map = [0, 2, 4, 6, 1, 3, 5, 7]`,
// `qweight[:, col] |= qweight_col << (i * w_bit)`) and confirmed by its inverse in vLLM
// vllm/model_executor/layers/quantization/awq_triton.py `awq_dequantize_kernel`, which unpacks
// column j with shift 4 * [0, 4, 1, 5, 2, 6, 3, 7][j] ("reverse AWQ order").
#ifndef TPSIM_KERNELS_REFERENCE_AWQ_H_
#define TPSIM_KERNELS_REFERENCE_AWQ_H_

#include <array>
#include <cstdint>
#include <vector>

#include "kernels/reference/tensor_ops.h"
#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

using IntMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

inline constexpr int kAwqBits = 4;  // bits per weight (vLLM AWQConfig.weight_bits).
inline constexpr int kAwqPackFactor = 32 / kAwqBits;  // values per int32 word (pack_factor = 8).
inline constexpr int kAwqMaxQuant = (1 << kAwqBits) - 1;  // largest 4-bit code, 15.
inline constexpr std::array<int, kAwqPackFactor> kAwqPackOrder = {0, 2, 4, 6, 1, 3, 5, 7};

// One AWQ-quantised linear.
struct AwqTensor {
  int group_size = 0;  // g
  IntMatrix qweight;   // [K, N/8]
  IntMatrix qzeros;    // [K/g, N/8]
  Matrix scales;       // [K/g, N]
  Eigen::Index in_features() const { return qweight.rows(); }  // K
  Eigen::Index out_features() const { return scales.cols(); }  // N
};

// Packs values [R, N] (each in [0, 15]) into [R, N/8] words in AWQ order. InvalidArgument when
// N % 8 != 0 or a value is outside [0, 15].
StatusOr<IntMatrix> PackAwqInt4(const IntMatrix& values);

// Inverse of PackAwqInt4: [R, W] words -> [R, 8W] values in [0, 15]. Total (every word unpacks).
IntMatrix UnpackAwqInt4(const IntMatrix& packed);

// The smallest fp16-representable value >= x (x > 0 and at most 65504, fp16's largest finite).
// AWQ scales are stored in fp16; rounding up keeps (max - min) / scale <= 15 so no code clips.
float RoundUpToFp16(float x);

// Asymmetric 4-bit quantisation with zero point per (group of g rows, column), as AutoAWQ's
// pseudo_quantize_tensor: scale = (max - min) / 15 (at least 1e-5, rounded up to fp16),
// z = -round(min / scale) in [0, 15], q = clamp(round(w / scale) + z, 0, 15). The range always
// includes 0 (min <= 0 <= max), so z never clips and |dequant - w| <= scale / 2 for every element.
// weight is [K, N] (in x out). InvalidArgument when g <= 0, K % g != 0 or N % 8 != 0.
StatusOr<AwqTensor> QuantizeAwq(const Matrix& weight, int group_size);

// w[k, n] = (q[k, n] - z[k/g, n]) * s[k/g, n], [K, N]. REQUIRES: a well-formed AwqTensor.
Matrix DequantizeAwq(const AwqTensor& t);

// Output columns [begin, begin + count) (a column-parallel shard). InvalidArgument with vLLM's
// "The output size is not aligned with the quantized weight shape. This can be caused by too large
// tensor parallel size." when begin or count is not a multiple of 8, or on an out-of-range slice.
StatusOr<AwqTensor> AwqColumnSlice(const AwqTensor& t, Eigen::Index begin, Eigen::Index count);

// Input rows [begin, begin + count) (a row-parallel shard). InvalidArgument with vLLM's
// "The input size is not aligned with the quantized weight shape. This can be caused by too large
// tensor parallel size." when begin or count is not a multiple of g, or on an out-of-range slice.
StatusOr<AwqTensor> AwqRowSlice(const AwqTensor& t, Eigen::Index begin, Eigen::Index count);

// Concatenation along N of tensors with equal K and g (how QKV / gate_up shards are assembled).
StatusOr<AwqTensor> AwqConcatColumns(const std::vector<AwqTensor>& parts);

// vLLM's create_weights checks for one partition, in its order: input_size_per_partition % g, then
// output_size_per_partition % 8, each failing with vLLM's text (above).
Status CheckAwqPartition(Eigen::Index input_per_partition, Eigen::Index output_per_partition,
                         int group_size);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_AWQ_H_
