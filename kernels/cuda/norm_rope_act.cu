// RMSNorm (plain, per head, fused with the residual add), the neox rotary embedding and its cos/sin
// cache, and SiLU-and-mul (layer_kernels.h). One block per row for the norms (block reduction of the
// sum of squares), one block per token for the rotary, grid-stride loops elsewhere. Rounding follows
// vLLM's kernels: RMSNorm rounds x·rsqrt(mean+eps) to half before the weight multiply; the fused variant
// rounds x + residual to half before normalising it.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layer_kernels.h"

namespace tpsim::gpu {

namespace {

int NormThreads(std::int64_t cols) {
  if (cols >= 256) return 256;
  return static_cast<int>((cols + 31) / 32 * 32);
}

__global__ void RmsNormKernel(const __half* in, __half* out, const __half* weight, std::int64_t groups,
                              std::int64_t cols, std::int64_t in_stride, std::int64_t out_stride,
                              float eps) {
  __shared__ float scratch[32];
  const std::int64_t row = blockIdx.x;
  const std::int64_t token = row / groups, group = row % groups;
  const __half* x = in + token * in_stride + group * cols;
  __half* y = out + token * out_stride + group * cols;
  float sum = 0.0f;
  for (std::int64_t i = threadIdx.x; i < cols; i += blockDim.x) {
    const float v = __half2float(x[i]);
    sum += v * v;
  }
  sum = BlockSum(sum, scratch);
  const float inv = rsqrtf(sum / static_cast<float>(cols) + eps);
  for (std::int64_t i = threadIdx.x; i < cols; i += blockDim.x) {
    const float normed = __half2float(__float2half_rn(__half2float(x[i]) * inv));
    y[i] = __float2half_rn(normed * __half2float(weight[i]));
  }
}

__global__ void FusedAddRmsNormKernel(__half* x, __half* residual, const __half* weight,
                                      std::int64_t hidden, float eps) {
  __shared__ float scratch[32];
  __half* xr = x + static_cast<std::int64_t>(blockIdx.x) * hidden;
  __half* rr = residual + static_cast<std::int64_t>(blockIdx.x) * hidden;
  float sum = 0.0f;
  for (std::int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    const __half z = __float2half_rn(__half2float(xr[i]) + __half2float(rr[i]));
    rr[i] = z;
    const float v = __half2float(z);
    sum += v * v;
  }
  sum = BlockSum(sum, scratch);
  const float inv = rsqrtf(sum / static_cast<float>(hidden) + eps);
  for (std::int64_t i = threadIdx.x; i < hidden; i += blockDim.x) {
    const float normed = __half2float(__float2half_rn(__half2float(rr[i]) * inv));
    xr[i] = __float2half_rn(normed * __half2float(weight[i]));
  }
}

__global__ void RopeCacheKernel(float* cache, std::int64_t max_positions, int rotary_dim, double theta) {
  const int half_dim = rotary_dim / 2;
  const std::int64_t total = max_positions * half_dim;
  for (std::int64_t idx = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t p = idx / half_dim;
    const int i = static_cast<int>(idx % half_dim);
    const double inv_freq = pow(theta, -2.0 * i / rotary_dim);
    const double angle = static_cast<double>(p) * inv_freq;
    cache[p * rotary_dim + i] = static_cast<float>(cos(angle));
    cache[p * rotary_dim + half_dim + i] = static_cast<float>(sin(angle));
  }
}

__global__ void RotaryNeoxKernel(RotaryArgs a) {
  const std::int64_t t = blockIdx.x;
  const int half_dim = a.rotary_dim / 2;
  const float* row = a.cos_sin_cache + a.positions[t] * a.rotary_dim;
  const int heads = a.num_q_heads + a.num_kv_heads;
  for (int idx = threadIdx.x; idx < heads * half_dim; idx += blockDim.x) {
    const int h = idx / half_dim, i = idx % half_dim;
    __half* x = h < a.num_q_heads
                    ? reinterpret_cast<__half*>(a.q) + t * a.q_token_stride + h * a.head_dim
                    : reinterpret_cast<__half*>(a.k) + t * a.k_token_stride + (h - a.num_q_heads) * a.head_dim;
    const float c = row[i], s = row[half_dim + i];
    const float x1 = __half2float(x[i]), x2 = __half2float(x[i + half_dim]);
    x[i] = __float2half_rn(x1 * c - x2 * s);
    x[i + half_dim] = __float2half_rn(x2 * c + x1 * s);
  }
}

__global__ void SiluAndMulKernel(const __half* in, __half* out, std::int64_t tokens, std::int64_t inter) {
  const std::int64_t total = tokens * inter;
  for (std::int64_t idx = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; idx < total;
       idx += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t t = idx / inter, i = idx % inter;
    const float gate = __half2float(in[t * 2 * inter + i]);
    const float up = __half2float(in[t * 2 * inter + inter + i]);
    out[idx] = __float2half_rn(gate / (1.0f + expf(-gate)) * up);
  }
}

}  // namespace

Status RmsNorm(const std::uint16_t* in, std::uint16_t* out, const std::uint16_t* weight,
               const RowLayout& rows, float eps, Stream stream) {
  if (in == nullptr || out == nullptr || weight == nullptr) return Status::InvalidArgument("RmsNorm: null tensor");
  if (rows.tokens < 0 || rows.groups <= 0 || rows.cols <= 0) return Status::InvalidArgument("RmsNorm: bad shape");
  if (rows.in_token_stride < rows.groups * rows.cols || rows.out_token_stride < rows.groups * rows.cols) {
    return Status::InvalidArgument("RmsNorm: token stride smaller than a token's rows");
  }
  const std::int64_t n = rows.tokens * rows.groups;
  if (n == 0) return Status::Ok();
  if (n > 0x7fffffff) return Status::InvalidArgument("RmsNorm: too many rows");
  RmsNormKernel<<<static_cast<unsigned>(n), NormThreads(rows.cols), 0, AsCudaStream(stream)>>>(
      reinterpret_cast<const __half*>(in), reinterpret_cast<__half*>(out),
      reinterpret_cast<const __half*>(weight), rows.groups, rows.cols, rows.in_token_stride,
      rows.out_token_stride, eps);
  return LaunchStatus("RmsNormKernel");
}

Status FusedAddRmsNorm(std::uint16_t* x, std::uint16_t* residual, const std::uint16_t* weight,
                       std::int64_t tokens, std::int64_t hidden, float eps, Stream stream) {
  if (x == nullptr || residual == nullptr || weight == nullptr) {
    return Status::InvalidArgument("FusedAddRmsNorm: null tensor");
  }
  if (tokens < 0 || hidden <= 0 || tokens > 0x7fffffff) return Status::InvalidArgument("FusedAddRmsNorm: bad shape");
  if (tokens == 0) return Status::Ok();
  FusedAddRmsNormKernel<<<static_cast<unsigned>(tokens), NormThreads(hidden), 0, AsCudaStream(stream)>>>(
      reinterpret_cast<__half*>(x), reinterpret_cast<__half*>(residual),
      reinterpret_cast<const __half*>(weight), hidden, eps);
  return LaunchStatus("FusedAddRmsNormKernel");
}

Status BuildRopeCache(float* cache, std::int64_t max_positions, int rotary_dim, double theta,
                      Stream stream) {
  if (cache == nullptr) return Status::InvalidArgument("BuildRopeCache: null cache");
  if (max_positions <= 0 || rotary_dim <= 0 || rotary_dim % 2 != 0 || !(theta > 1.0)) {
    return Status::InvalidArgument("BuildRopeCache: bad shape or theta");
  }
  const std::int64_t n = max_positions * (rotary_dim / 2);
  RopeCacheKernel<<<GridFor(n, 256), 256, 0, AsCudaStream(stream)>>>(cache, max_positions, rotary_dim, theta);
  return LaunchStatus("RopeCacheKernel");
}

Status RotaryNeox(const RotaryArgs& a, Stream stream) {
  if (a.positions == nullptr || a.q == nullptr || a.k == nullptr || a.cos_sin_cache == nullptr) {
    return Status::InvalidArgument("RotaryNeox: null tensor");
  }
  if (a.rotary_dim <= 0 || a.rotary_dim % 2 != 0 || a.rotary_dim > a.head_dim || a.num_q_heads < 0 ||
      a.num_kv_heads < 0 || a.tokens < 0 || a.tokens > 0x7fffffff) {
    return Status::InvalidArgument("RotaryNeox: bad shape");
  }
  if (a.tokens == 0) return Status::Ok();
  RotaryNeoxKernel<<<static_cast<unsigned>(a.tokens), 128, 0, AsCudaStream(stream)>>>(a);
  return LaunchStatus("RotaryNeoxKernel");
}

Status SiluAndMul(const std::uint16_t* in, std::uint16_t* out, std::int64_t tokens, std::int64_t inter,
                  Stream stream) {
  if (in == nullptr || out == nullptr) return Status::InvalidArgument("SiluAndMul: null tensor");
  if (tokens < 0 || inter <= 0) return Status::InvalidArgument("SiluAndMul: bad shape");
  if (tokens == 0) return Status::Ok();
  SiluAndMulKernel<<<GridFor(tokens * inter, 256), 256, 0, AsCudaStream(stream)>>>(
      reinterpret_cast<const __half*>(in), reinterpret_cast<__half*>(out), tokens, inter);
  return LaunchStatus("SiluAndMulKernel");
}

}  // namespace tpsim::gpu
