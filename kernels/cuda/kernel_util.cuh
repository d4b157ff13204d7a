// Device helpers shared by the .cu files of kernels/cuda (internal; CUDA code only): block-wide
// reductions, the counter-based random generator of the fill kernels and grid sizing.
#ifndef TPSIM_KERNELS_CUDA_KERNEL_UTIL_CUH_
#define TPSIM_KERNELS_CUDA_KERNEL_UTIL_CUH_

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace tpsim::gpu {

inline cudaStream_t AsCudaStream(void* stream) { return static_cast<cudaStream_t>(stream); }

// Blocks for a grid-stride loop over n items with `threads` per block, capped (each thread loops).
inline unsigned GridFor(std::int64_t n, int threads, unsigned cap = 8192) {
  const std::int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1) return 1;
  return blocks > cap ? cap : static_cast<unsigned>(blocks);
}

// SplitMix64 (Steele, Lea, Flood 2014): a counter-based generator, so any element can be filled
// independently of the others.
__host__ __device__ inline std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) with 24 random bits.
__device__ inline float Uniform01(std::uint64_t bits) {
  return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f);
}

__device__ inline float WarpSum(float v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

__device__ inline float WarpMax(float v) {
  for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
  return v;
}

// Block-wide sum / max; every thread receives the result. REQUIRES: blockDim.x a multiple of 32 and
// <= 1024, every thread of the block calls it, `scratch` holds 32 floats of shared memory.
__device__ inline float BlockSum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = WarpSum(v);
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return WarpSum(v);
}

__device__ inline float BlockMax(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = WarpMax(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -INFINITY;
  return WarpMax(v);
}

__device__ inline float LoadHalf(const std::uint16_t* p) {
  return __half2float(__ushort_as_half(*p));
}

__device__ inline void StoreHalf(std::uint16_t* p, float v) {
  *p = __half_as_ushort(__float2half_rn(v));
}

}  // namespace tpsim::gpu

#endif  // TPSIM_KERNELS_CUDA_KERNEL_UTIL_CUH_
