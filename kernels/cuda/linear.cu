// Linear layers (layer_kernels.h): AWQ 4-bit dequantisation, AWQ GEMM and an fp16 GEMM. One simple
// shared-memory tiling for both GEMMs: a block computes a 16 x 64 tile of y with 256 threads (one row,
// four columns each), stepping through K 32 at a time; the AWQ kernel dequantises its 32 x 64 weight
// tile into shared memory (one packed int32 word per thread) before the multiply.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layer_kernels.h"

namespace tpsim::gpu {

namespace {

constexpr int kTileM = 16;
constexpr int kTileN = 64;
constexpr int kTileK = 32;
constexpr int kThreads = 256;  // 16 x 16
constexpr int kColsPerThread = kTileN / 16;
static_assert(kTileK * (kTileN / 8) == kThreads, "one packed AWQ word per thread and K step");

__constant__ int kNibble[8] = {0, 4, 1, 5, 2, 6, 3, 7};  // kAwqNibbleOfColumn

__device__ inline int Nibble(std::int32_t word, int column_in_word) {
  return (static_cast<unsigned>(word) >> (4 * kNibble[column_in_word])) & 0xF;
}

__global__ void AwqDequantizeKernel(const std::int32_t* qweight, const std::int32_t* qzeros,
                                    const __half* scales, std::int64_t k, std::int64_t n,
                                    std::int64_t group, __half* out) {
  const std::int64_t words_per_row = n / 8;
  const std::int64_t total = k * words_per_row;
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t row = i / words_per_row, word = i % words_per_row;
    const std::int64_t g = row / group;
    const std::int32_t q = qweight[i];
    const std::int32_t z = qzeros[g * words_per_row + word];
    for (int c = 0; c < 8; ++c) {
      const std::int64_t col = word * 8 + c;
      const float s = __half2float(scales[g * n + col]);
      out[row * n + col] = __float2half_rn(static_cast<float>(Nibble(q, c) - Nibble(z, c)) * s);
    }
  }
}

// Loads the x tile [kTileM, kTileK] (zero outside [m, k]) into xs.
__device__ inline void LoadXTile(const __half* x, std::int64_t m, std::int64_t k, std::int64_t row0,
                                 std::int64_t k0, float xs[kTileM][kTileK]) {
  for (int idx = threadIdx.x; idx < kTileM * kTileK; idx += kThreads) {
    const int r = idx / kTileK, c = idx % kTileK;
    const std::int64_t gr = row0 + r, gc = k0 + c;
    xs[r][c] = (gr < m && gc < k) ? __half2float(x[gr * k + gc]) : 0.0f;
  }
}

__device__ inline void MultiplyTile(const float xs[kTileM][kTileK], const float ws[kTileK][kTileN],
                                    float acc[kColsPerThread]) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
#pragma unroll 8
  for (int kk = 0; kk < kTileK; ++kk) {
    const float a = xs[ty][kk];
#pragma unroll
    for (int c = 0; c < kColsPerThread; ++c) acc[c] += a * ws[kk][tx + 16 * c];
  }
}

__device__ inline void StoreTile(const float acc[kColsPerThread], std::int64_t m, std::int64_t n,
                                 std::int64_t row0, std::int64_t col0, __half* y) {
  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  const std::int64_t row = row0 + ty;
  if (row >= m) return;
  for (int c = 0; c < kColsPerThread; ++c) {
    const std::int64_t col = col0 + tx + 16 * c;
    if (col < n) y[row * n + col] = __float2half_rn(acc[c]);
  }
}

__global__ void AwqGemmKernel(const __half* x, std::int64_t m, const std::int32_t* qweight,
                              const std::int32_t* qzeros, const __half* scales, std::int64_t k,
                              std::int64_t n, std::int64_t group, __half* y) {
  __shared__ float xs[kTileM][kTileK];
  __shared__ float ws[kTileK][kTileN];
  const std::int64_t row0 = static_cast<std::int64_t>(blockIdx.y) * kTileM;
  const std::int64_t col0 = static_cast<std::int64_t>(blockIdx.x) * kTileN;
  const std::int64_t words_per_row = n / 8;
  float acc[kColsPerThread] = {};
  for (std::int64_t k0 = 0; k0 < k; k0 += kTileK) {
    LoadXTile(x, m, k, row0, k0, xs);
    {
      // Thread t dequantises the packed word (row k0 + t/8, columns col0 + 8(t%8) .. +7).
      const int r = threadIdx.x / (kTileN / 8), w = threadIdx.x % (kTileN / 8);
      const std::int64_t gk = k0 + r;
      const std::int64_t word = col0 / 8 + w;
      if (gk < k && word < words_per_row) {
        const std::int64_t g = gk / group;
        const std::int32_t q = qweight[gk * words_per_row + word];
        const std::int32_t z = qzeros[g * words_per_row + word];
        for (int c = 0; c < 8; ++c) {
          const float s = __half2float(scales[g * n + word * 8 + c]);
          // Dequantised to half first, as the weight vLLM multiplies with.
          ws[r][w * 8 + c] =
              __half2float(__float2half_rn(static_cast<float>(Nibble(q, c) - Nibble(z, c)) * s));
        }
      } else {
        for (int c = 0; c < 8; ++c) ws[r][w * 8 + c] = 0.0f;
      }
    }
    __syncthreads();
    MultiplyTile(xs, ws, acc);
    __syncthreads();
  }
  StoreTile(acc, m, n, row0, col0, y);
}

__global__ void GemmF16Kernel(const __half* x, const __half* w, std::int64_t m, std::int64_t k,
                              std::int64_t n, __half* y) {
  __shared__ float xs[kTileM][kTileK];
  __shared__ float ws[kTileK][kTileN];
  const std::int64_t row0 = static_cast<std::int64_t>(blockIdx.y) * kTileM;
  const std::int64_t col0 = static_cast<std::int64_t>(blockIdx.x) * kTileN;
  float acc[kColsPerThread] = {};
  for (std::int64_t k0 = 0; k0 < k; k0 += kTileK) {
    LoadXTile(x, m, k, row0, k0, xs);
    for (int idx = threadIdx.x; idx < kTileN * kTileK; idx += kThreads) {
      const int nn = idx / kTileK, kk = idx % kTileK;  // consecutive threads read along K
      const std::int64_t gn = col0 + nn, gk = k0 + kk;
      ws[kk][nn] = (gn < n && gk < k) ? __half2float(w[gn * k + gk]) : 0.0f;
    }
    __syncthreads();
    MultiplyTile(xs, ws, acc);
    __syncthreads();
  }
  StoreTile(acc, m, n, row0, col0, y);
}

Status CheckAwq(const AwqWeight& w) {
  if (w.qweight == nullptr || w.qzeros == nullptr || w.scales == nullptr) {
    return Status::InvalidArgument("AWQ weight: null tensor");
  }
  if (w.k <= 0 || w.n <= 0 || w.n % 8 != 0) {
    return Status::InvalidArgument("AWQ weight: K must be positive and N a positive multiple of 8");
  }
  if (w.group_size <= 0 || w.k % w.group_size != 0) {
    return Status::InvalidArgument("AWQ weight: K must be a multiple of the group size");
  }
  return Status::Ok();
}

dim3 GemmGrid(std::int64_t m, std::int64_t n) {
  return dim3(static_cast<unsigned>((n + kTileN - 1) / kTileN), static_cast<unsigned>((m + kTileM - 1) / kTileM));
}

Status CheckGemmShape(std::int64_t m, std::int64_t n) {
  if (m <= 0) return Status::InvalidArgument("GEMM: M must be positive");
  if ((n + kTileN - 1) / kTileN > 0x7fffffff || (m + kTileM - 1) / kTileM > 65535) {
    return Status::InvalidArgument("GEMM: shape too large for one launch");
  }
  return Status::Ok();
}

}  // namespace

Status AwqDequantize(const AwqWeight& w, std::uint16_t* out, Stream stream) {
  TPSIM_RETURN_IF_ERROR(CheckAwq(w));
  if (out == nullptr) return Status::InvalidArgument("AwqDequantize: null output");
  AwqDequantizeKernel<<<GridFor(w.k * (w.n / 8), kThreads), kThreads, 0, AsCudaStream(stream)>>>(
      w.qweight, w.qzeros, reinterpret_cast<const __half*>(w.scales), w.k, w.n, w.group_size,
      reinterpret_cast<__half*>(out));
  return LaunchStatus("AwqDequantizeKernel");
}

Status AwqGemm(const std::uint16_t* x, std::int64_t m, const AwqWeight& w, std::uint16_t* y,
               Stream stream) {
  TPSIM_RETURN_IF_ERROR(CheckAwq(w));
  TPSIM_RETURN_IF_ERROR(CheckGemmShape(m, w.n));
  if (x == nullptr || y == nullptr) return Status::InvalidArgument("AwqGemm: null activation");
  AwqGemmKernel<<<GemmGrid(m, w.n), kThreads, 0, AsCudaStream(stream)>>>(
      reinterpret_cast<const __half*>(x), m, w.qweight, w.qzeros,
      reinterpret_cast<const __half*>(w.scales), w.k, w.n, w.group_size, reinterpret_cast<__half*>(y));
  return LaunchStatus("AwqGemmKernel");
}

Status GemmF16(const std::uint16_t* x, const std::uint16_t* w, std::int64_t m, std::int64_t k,
               std::int64_t n, std::uint16_t* y, Stream stream) {
  if (k <= 0 || n <= 0) return Status::InvalidArgument("GemmF16: K and N must be positive");
  TPSIM_RETURN_IF_ERROR(CheckGemmShape(m, n));
  if (x == nullptr || w == nullptr || y == nullptr) return Status::InvalidArgument("GemmF16: null tensor");
  GemmF16Kernel<<<GemmGrid(m, n), kThreads, 0, AsCudaStream(stream)>>>(
      reinterpret_cast<const __half*>(x), reinterpret_cast<const __half*>(w), m, k, n,
      reinterpret_cast<__half*>(y));
  return LaunchStatus("GemmF16Kernel");
}

}  // namespace tpsim::gpu
