// CUDA kernels for one Qwen3 decoder layer on a tensor-parallel rank's shard, as vLLM runs it: AWQ 4-bit
// dequantisation and GEMM, RMSNorm (also per head, as Qwen3's q_norm/k_norm, and fused with the
// residual add), neox rotary embedding, SiLU-and-mul, the paged KV-cache write and decode attention over
// the paged KV pool (one query token per sequence, grouped-query attention), plus fill kernels that put
// random data into freshly allocated buffers. Simple tiled kernels: correct first, not fast.
//
// Plain C++ (no CUDA header): device pointers are typed by their element: half values (torch.float16)
// as std::uint16_t (see half.h), float32 as float, int32/int64 as such. Every launcher validates its
// shapes (InvalidArgument), enqueues on `stream` (a cudaStream_t passed as void*; nullptr = the legacy
// default stream) and returns the launch's status (Internal with CUDA's error text); errors of the
// kernel's execution appear at the next synchronisation. Accumulation is in float32.
//
// Layouts (vLLM's):
//   * AWQ (AutoAWQ "gemm" packing): qweight [K, N/8] int32 and qzeros [K/g, N/8] int32 each hold 8
//     4-bit values; column 8j+c of the unpacked matrix sits in nibble kAwqNibbleOfColumn[c] of word j
//     (AutoAWQ packs in the order 0,2,4,6,1,3,5,7). scales [K/g, N] half. W[k][n] = (q - z) * s.
//   * Linear weight of an unquantised layer: [N, K] (torch.nn.Linear), y = x W^T.
//   * Rotary cos/sin cache: [max_positions, rotary_dim] float32, cos in the first half, sin in the second.
//   * Paged KV pool of one layer: key and value caches, each [num_blocks, block_size, num_kv_heads,
//     head_dim] (vLLM's FlashAttention layout [2, num_blocks, block_size, kv_heads, head_dim]).
//   * slot_mapping[t] = block * block_size + offset (negative: skip); block_tables [S, max_blocks] int32.
#ifndef TPSIM_KERNELS_CUDA_LAYER_KERNELS_H_
#define TPSIM_KERNELS_CUDA_LAYER_KERNELS_H_

#include <cstdint>

#include "sim/base/status.h"
#include "sim/base/units.h"

namespace tpsim::gpu {

using Stream = void*;  // a cudaStream_t; nullptr = the legacy default stream

// Nibble (0..7, in units of 4 bits from the low end) of column c (0..7) within an AWQ int32 word.
inline constexpr int kAwqNibbleOfColumn[8] = {0, 4, 1, 5, 2, 6, 3, 7};

// ---- fills -----------------------------------------------------------------------------------------
// `bytes` pseudo-random bytes, a function of (seed, byte offset) only.
Status FillRandomBits(void* dst, Bytes bytes, std::uint64_t seed, Stream stream = nullptr);
// n half values uniform in [lo, hi).
Status FillUniformF16(std::uint16_t* dst, std::int64_t n, float lo, float hi, std::uint64_t seed,
                      Stream stream = nullptr);

// ---- linear layers ---------------------------------------------------------------------------------
struct AwqWeight {
  const std::int32_t* qweight = nullptr;  // [K, N/8]
  const std::int32_t* qzeros = nullptr;   // [K/group, N/8]
  const std::uint16_t* scales = nullptr;  // [K/group, N]
  std::int64_t k = 0;                     // input features
  std::int64_t n = 0;                     // output features (multiple of 8)
  std::int64_t group_size = 128;          // K is a multiple of it
};
// out [K, N] half = the dequantised weight (vLLM's awq_dequantize).
Status AwqDequantize(const AwqWeight& w, std::uint16_t* out, Stream stream = nullptr);
// y [M, N] = x [M, K] · dequant(W) (vLLM's awq_gemm), the weight dequantised tile by tile.
Status AwqGemm(const std::uint16_t* x, std::int64_t m, const AwqWeight& w, std::uint16_t* y,
               Stream stream = nullptr);
// y [M, N] = x [M, K] · W^T for W [N, K] half (an unquantised nn.Linear).
Status GemmF16(const std::uint16_t* x, const std::uint16_t* w, std::int64_t m, std::int64_t k,
               std::int64_t n, std::uint16_t* y, Stream stream = nullptr);

// ---- normalisation, rotary, activation ---------------------------------------------------------------
// Rows of `cols` contiguous values: `groups` rows per token (1 for a hidden-state norm; the number of
// heads for Qwen3's per-head q_norm/k_norm), token t's first row at t * token_stride.
struct RowLayout {
  std::int64_t tokens = 0;
  std::int64_t groups = 1;
  std::int64_t cols = 0;
  std::int64_t in_token_stride = 0;   // elements
  std::int64_t out_token_stride = 0;  // elements
};
// out = x / sqrt(mean(x^2) + eps) * weight[col], per row; in == out is allowed.
Status RmsNorm(const std::uint16_t* in, std::uint16_t* out, const std::uint16_t* weight,
               const RowLayout& rows, float eps, Stream stream = nullptr);
// vLLM's fused_add_rms_norm on [tokens, hidden]: residual = half(x + residual); x = RmsNorm(residual).
Status FusedAddRmsNorm(std::uint16_t* x, std::uint16_t* residual, const std::uint16_t* weight,
                       std::int64_t tokens, std::int64_t hidden, float eps, Stream stream = nullptr);
// cache [max_positions, rotary_dim]: cos(p·θ^(-2i/rotary_dim)) then sin(...) for i < rotary_dim/2.
Status BuildRopeCache(float* cache, std::int64_t max_positions, int rotary_dim, double theta,
                      Stream stream = nullptr);
struct RotaryArgs {
  const std::int64_t* positions = nullptr;  // [tokens]
  std::uint16_t* q = nullptr;               // token t, head h at q + t*q_token_stride + h*head_dim
  std::int64_t q_token_stride = 0;
  int num_q_heads = 0;
  std::uint16_t* k = nullptr;
  std::int64_t k_token_stride = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int rotary_dim = 0;                       // even, <= head_dim
  const float* cos_sin_cache = nullptr;     // [max_positions, rotary_dim]
  std::int64_t tokens = 0;
};
// Neox-style rotary in place: for i < r/2, (x[i], x[i+r/2]) <- (x[i]c - x[i+r/2]s, x[i+r/2]c + x[i]s).
Status RotaryNeox(const RotaryArgs& a, Stream stream = nullptr);
// out [T, I] = silu(in[:, :I]) * in[:, I:] for in [T, 2I].
Status SiluAndMul(const std::uint16_t* in, std::uint16_t* out, std::int64_t tokens,
                  std::int64_t inter, Stream stream = nullptr);

// ---- paged attention ---------------------------------------------------------------------------------
struct PagedKvCache {
  std::uint16_t* key = nullptr;    // [num_blocks, block_size, num_kv_heads, head_dim]
  std::uint16_t* value = nullptr;  // same shape
  std::int64_t num_blocks = 0;
  int block_size = 16;
  int num_kv_heads = 0;
  int head_dim = 0;
};
// vLLM's reshape_and_cache_flash: token t's key/value (heads contiguous, token t at t * token_stride)
// go to slot slot_mapping[t] of the pool; negative slots are skipped.
Status WriteKvCache(const std::uint16_t* key, const std::uint16_t* value, std::int64_t token_stride,
                    const std::int64_t* slot_mapping, std::int64_t tokens, const PagedKvCache& cache,
                    Stream stream = nullptr);
struct DecodeAttentionArgs {
  const std::uint16_t* q = nullptr;        // sequence s, head h at q + s*q_token_stride + h*head_dim
  std::int64_t q_token_stride = 0;
  int num_q_heads = 0;                     // a multiple of cache.num_kv_heads (GQA)
  const std::int32_t* block_tables = nullptr;  // [num_seqs, max_blocks_per_seq]
  int max_blocks_per_seq = 0;
  const std::int32_t* seq_lens = nullptr;  // [num_seqs], tokens in the cache (the new one included)
  std::int64_t num_seqs = 0;
  float scale = 1.0f;                      // usually 1/sqrt(head_dim)
  std::uint16_t* out = nullptr;            // [num_seqs, num_q_heads, head_dim]
};
// out = softmax(scale · q·K^T) V over each sequence's cached tokens; query head h reads KV head
// h / (num_q_heads / num_kv_heads). head_dim <= 256. A sequence of length 0 gives zeros.
Status PagedDecodeAttention(const DecodeAttentionArgs& a, const PagedKvCache& cache,
                            Stream stream = nullptr);

}  // namespace tpsim::gpu

#endif  // TPSIM_KERNELS_CUDA_LAYER_KERNELS_H_
