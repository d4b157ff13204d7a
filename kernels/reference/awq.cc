// AWQ int4 packing in AutoAWQ's interleaved nibble order, group quantisation with zero points,
// dequantisation, and the packed-tensor slices of tensor-parallel loading.
#include "kernels/reference/awq.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tpsim::ref {
namespace {

// vllm/model_executor/layers/quantization/awq.py AWQLinearMethod.create_weights.
constexpr char kInputNotAligned[] =
    "The input size is not aligned with the quantized weight shape. This can be caused by too "
    "large tensor parallel size.";
constexpr char kOutputNotAligned[] =
    "The output size is not aligned with the quantized weight shape. This can be caused by too "
    "large tensor parallel size.";

// Smallest scale AutoAWQ allows: (max - min).clamp(min=1e-5) / max_int.
constexpr float kMinRange = 1e-5f;

}  // namespace

StatusOr<IntMatrix> PackAwqInt4(const IntMatrix& values) {
  if (values.cols() % kAwqPackFactor != 0) {
    return Status::InvalidArgument("cannot pack " + std::to_string(values.cols()) +
                                   " columns into int32 words of 8 nibbles");
  }
  IntMatrix packed(values.rows(), values.cols() / kAwqPackFactor);
  for (Eigen::Index r = 0; r < values.rows(); ++r) {
    for (Eigen::Index c = 0; c < packed.cols(); ++c) {
      std::uint32_t word = 0;
      for (int i = 0; i < kAwqPackFactor; ++i) {
        const std::int32_t v = values(r, c * kAwqPackFactor + kAwqPackOrder[i]);
        if (v < 0 || v > kAwqMaxQuant) {
          return Status::InvalidArgument("value " + std::to_string(v) + " is not a 4-bit code");
        }
        word |= static_cast<std::uint32_t>(v) << (kAwqBits * i);
      }
      packed(r, c) = static_cast<std::int32_t>(word);  // two's complement bit pattern
    }
  }
  return packed;
}

IntMatrix UnpackAwqInt4(const IntMatrix& packed) {
  IntMatrix values(packed.rows(), packed.cols() * kAwqPackFactor);
  for (Eigen::Index r = 0; r < packed.rows(); ++r) {
    for (Eigen::Index c = 0; c < packed.cols(); ++c) {
      const auto word = static_cast<std::uint32_t>(packed(r, c));
      for (int i = 0; i < kAwqPackFactor; ++i) {
        values(r, c * kAwqPackFactor + kAwqPackOrder[i]) =
            static_cast<std::int32_t>((word >> (kAwqBits * i)) & 0xFu);
      }
    }
  }
  return values;
}

float RoundUpToFp16(float x) {
  int exponent = 0;
  std::frexp(x, &exponent);  // x = m * 2^exponent, m in [0.5, 1)
  // fp16 normals carry 11 significant bits; subnormals are spaced 2^-24.
  const float quantum = std::ldexp(1.0f, std::max(exponent - 11, -24));
  return std::ceil(x / quantum) * quantum;
}

StatusOr<AwqTensor> QuantizeAwq(const Matrix& weight, int group_size) {
  if (group_size <= 0 || weight.rows() % group_size != 0) {
    return Status::InvalidArgument("in_features " + std::to_string(weight.rows()) +
                                   " is not a multiple of group size " +
                                   std::to_string(group_size));
  }
  if (weight.cols() % kAwqPackFactor != 0) {
    return Status::InvalidArgument("out_features " + std::to_string(weight.cols()) +
                                   " is not a multiple of " + std::to_string(kAwqPackFactor));
  }
  const Eigen::Index groups = weight.rows() / group_size;
  IntMatrix q(weight.rows(), weight.cols());
  IntMatrix z(groups, weight.cols());
  AwqTensor t;
  t.group_size = group_size;
  t.scales.resize(groups, weight.cols());
  for (Eigen::Index gi = 0; gi < groups; ++gi) {
    const auto block = weight.middleRows(gi * group_size, group_size);
    for (Eigen::Index n = 0; n < weight.cols(); ++n) {
      const float max_v = std::max(block.col(n).maxCoeff(), 0.0f);
      const float min_v = std::min(block.col(n).minCoeff(), 0.0f);
      const float scale =
          RoundUpToFp16(std::max(max_v - min_v, kMinRange) / static_cast<float>(kAwqMaxQuant));
      const int zero =
          std::clamp(static_cast<int>(-std::nearbyint(min_v / scale)), 0, kAwqMaxQuant);
      t.scales(gi, n) = scale;
      z(gi, n) = zero;
      for (Eigen::Index k = 0; k < group_size; ++k) {
        const int code = static_cast<int>(std::nearbyint(block(k, n) / scale)) + zero;
        q(gi * group_size + k, n) = std::clamp(code, 0, kAwqMaxQuant);
      }
    }
  }
  TPSIM_ASSIGN_OR_RETURN(t.qweight, PackAwqInt4(q));
  TPSIM_ASSIGN_OR_RETURN(t.qzeros, PackAwqInt4(z));
  return t;
}

Matrix DequantizeAwq(const AwqTensor& t) {
  const IntMatrix q = UnpackAwqInt4(t.qweight);
  const IntMatrix z = UnpackAwqInt4(t.qzeros);
  Matrix w(q.rows(), q.cols());
  for (Eigen::Index k = 0; k < q.rows(); ++k) {
    const Eigen::Index gi = k / t.group_size;
    for (Eigen::Index n = 0; n < q.cols(); ++n) {
      w(k, n) = static_cast<float>(q(k, n) - z(gi, n)) * t.scales(gi, n);
    }
  }
  return w;
}

StatusOr<AwqTensor> AwqColumnSlice(const AwqTensor& t, Eigen::Index begin, Eigen::Index count) {
  if (begin % kAwqPackFactor != 0 || count % kAwqPackFactor != 0) {
    return Status::InvalidArgument(kOutputNotAligned);
  }
  if (begin < 0 || count < 0 || begin + count > t.out_features()) {
    return Status::InvalidArgument("column slice [" + std::to_string(begin) + ", " +
                                   std::to_string(begin + count) + ") outside " +
                                   std::to_string(t.out_features()) + " columns");
  }
  AwqTensor s;
  s.group_size = t.group_size;
  s.qweight = t.qweight.middleCols(begin / kAwqPackFactor, count / kAwqPackFactor);
  s.qzeros = t.qzeros.middleCols(begin / kAwqPackFactor, count / kAwqPackFactor);
  s.scales = t.scales.middleCols(begin, count);
  return s;
}

StatusOr<AwqTensor> AwqRowSlice(const AwqTensor& t, Eigen::Index begin, Eigen::Index count) {
  if (begin % t.group_size != 0 || count % t.group_size != 0) {
    return Status::InvalidArgument(kInputNotAligned);
  }
  if (begin < 0 || count < 0 || begin + count > t.in_features()) {
    return Status::InvalidArgument("row slice [" + std::to_string(begin) + ", " +
                                   std::to_string(begin + count) + ") outside " +
                                   std::to_string(t.in_features()) + " rows");
  }
  AwqTensor s;
  s.group_size = t.group_size;
  s.qweight = t.qweight.middleRows(begin, count);
  s.qzeros = t.qzeros.middleRows(begin / t.group_size, count / t.group_size);
  s.scales = t.scales.middleRows(begin / t.group_size, count / t.group_size);
  return s;
}

StatusOr<AwqTensor> AwqConcatColumns(const std::vector<AwqTensor>& parts) {
  if (parts.empty()) return Status::InvalidArgument("nothing to concatenate");
  Eigen::Index words = 0;
  for (const AwqTensor& p : parts) {
    if (p.group_size != parts[0].group_size || p.in_features() != parts[0].in_features()) {
      return Status::InvalidArgument("AWQ parts differ in in_features or group size");
    }
    words += p.qweight.cols();
  }
  AwqTensor out;
  out.group_size = parts[0].group_size;
  out.qweight.resize(parts[0].qweight.rows(), words);
  out.qzeros.resize(parts[0].qzeros.rows(), words);
  out.scales.resize(parts[0].scales.rows(), words * kAwqPackFactor);
  Eigen::Index at = 0;
  for (const AwqTensor& p : parts) {
    const Eigen::Index w = p.qweight.cols();
    out.qweight.middleCols(at, w) = p.qweight;
    out.qzeros.middleCols(at, w) = p.qzeros;
    out.scales.middleCols(at * kAwqPackFactor, w * kAwqPackFactor) = p.scales;
    at += w;
  }
  return out;
}

Status CheckAwqPartition(Eigen::Index input_per_partition, Eigen::Index output_per_partition,
                         int group_size) {
  if (group_size <= 0 || input_per_partition % group_size != 0) {
    return Status::InvalidArgument(kInputNotAligned);
  }
  if (output_per_partition % kAwqPackFactor != 0) {
    return Status::InvalidArgument(kOutputNotAligned);
  }
  return Status::Ok();
}

}  // namespace tpsim::ref
