// Fill kernels (layer_kernels.h): random bytes for freshly allocated weights, uniform half values for
// tensors a kernel will compute with.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layer_kernels.h"

namespace tpsim::gpu {

namespace {

constexpr int kThreads = 256;

__device__ inline std::uint64_t WordAt(std::uint64_t seed, std::uint64_t word_index) {
  return SplitMix64(seed * 0xD1342543DE82EF95ull + word_index);
}

// Whole 8-byte words; dst is 8-byte aligned.
__global__ void FillWordsKernel(std::uint64_t* dst, std::int64_t words, std::uint64_t seed) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < words;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    dst[i] = WordAt(seed, static_cast<std::uint64_t>(i));
  }
}

// Bytes [begin, end) of the buffer at base, byte o being byte o % 8 of word o / 8 (little endian, the
// same value FillWordsKernel stores there).
__global__ void FillBytesKernel(unsigned char* base, std::int64_t begin, std::int64_t end,
                                std::uint64_t seed) {
  for (std::int64_t o = begin + blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; o < end;
       o += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::uint64_t w = WordAt(seed, static_cast<std::uint64_t>(o / 8));
    base[o] = static_cast<unsigned char>(w >> (8 * (o % 8)));
  }
}

__global__ void FillUniformF16Kernel(std::uint16_t* dst, std::int64_t n, float lo, float hi,
                                     std::uint64_t seed) {
  for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const float u = Uniform01(WordAt(seed, static_cast<std::uint64_t>(i)));
    StoreHalf(dst + i, lo + (hi - lo) * u);
  }
}

}  // namespace

Status FillRandomBits(void* dst, Bytes bytes, std::uint64_t seed, Stream stream) {
  if (bytes < 0) return Status::InvalidArgument("FillRandomBits: negative size");
  if (bytes == 0) return Status::Ok();
  if (dst == nullptr) return Status::InvalidArgument("FillRandomBits: null buffer");
  cudaStream_t s = AsCudaStream(stream);
  auto* base = static_cast<unsigned char*>(dst);
  std::int64_t done = 0;
  if (reinterpret_cast<std::uintptr_t>(dst) % 8 == 0) {
    const std::int64_t words = bytes / 8;
    if (words > 0) {
      FillWordsKernel<<<GridFor(words, kThreads), kThreads, 0, s>>>(static_cast<std::uint64_t*>(dst),
                                                                    words, seed);
      TPSIM_RETURN_IF_ERROR(LaunchStatus("FillWordsKernel"));
    }
    done = words * 8;
  }
  if (done < bytes) {
    FillBytesKernel<<<GridFor(bytes - done, kThreads), kThreads, 0, s>>>(base, done, bytes, seed);
    TPSIM_RETURN_IF_ERROR(LaunchStatus("FillBytesKernel"));
  }
  return Status::Ok();
}

Status FillUniformF16(std::uint16_t* dst, std::int64_t n, float lo, float hi, std::uint64_t seed,
                      Stream stream) {
  if (n < 0) return Status::InvalidArgument("FillUniformF16: negative count");
  if (n == 0) return Status::Ok();
  if (dst == nullptr) return Status::InvalidArgument("FillUniformF16: null buffer");
  FillUniformF16Kernel<<<GridFor(n, kThreads), kThreads, 0, AsCudaStream(stream)>>>(dst, n, lo, hi, seed);
  return LaunchStatus("FillUniformF16Kernel");
}

}  // namespace tpsim::gpu
