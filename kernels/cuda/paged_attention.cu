// The paged KV cache (layer_kernels.h): the cache write of new tokens' keys and values and decode
// attention over the pool. Decode attention runs one block per (sequence, query head): the sequence's
// tokens are visited in chunks; each chunk's scores go to shared memory, and a running maximum and sum
// (online softmax) rescale the output accumulated so far, so any sequence length works with fixed
// shared memory. Thread d owns output dimensions d and d + 128.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/kernel_util.cuh"
#include "kernels/cuda/layer_kernels.h"

namespace tpsim::gpu {

namespace {

constexpr int kAttnThreads = 128;
constexpr int kMaxHeadDim = 2 * kAttnThreads;
constexpr int kChunk = 512;  // tokens whose scores are held in shared memory at once

__global__ void WriteKvCacheKernel(const __half* key, const __half* value, std::int64_t token_stride,
                                   const std::int64_t* slot_mapping, PagedKvCache cache) {
  const std::int64_t t = blockIdx.x;
  const std::int64_t slot = slot_mapping[t];
  if (slot < 0 || slot >= cache.num_blocks * cache.block_size) return;
  const int width = cache.num_kv_heads * cache.head_dim;  // a token's heads are contiguous in both
  __half* kdst = reinterpret_cast<__half*>(cache.key) + slot * width;
  __half* vdst = reinterpret_cast<__half*>(cache.value) + slot * width;
  for (int i = threadIdx.x; i < width; i += blockDim.x) {
    kdst[i] = key[t * token_stride + i];
    vdst[i] = value[t * token_stride + i];
  }
}

__global__ void DecodeAttentionKernel(DecodeAttentionArgs a, PagedKvCache cache) {
  __shared__ float q_s[kMaxHeadDim];
  __shared__ float scores[kChunk];
  __shared__ float scratch[32];
  const std::int64_t seq = blockIdx.x;
  const int head = blockIdx.y;
  const int hd = cache.head_dim;
  const int kv_head = head / (a.num_q_heads / cache.num_kv_heads);
  const int len = a.seq_lens[seq];
  const std::int32_t* table = a.block_tables + seq * a.max_blocks_per_seq;
  const __half* qh = reinterpret_cast<const __half*>(a.q) + seq * a.q_token_stride + head * hd;
  for (int d = threadIdx.x; d < hd; d += blockDim.x) q_s[d] = __half2float(qh[d]) * a.scale;
  __syncthreads();

  const int d0 = threadIdx.x, d1 = threadIdx.x + kAttnThreads;
  const std::int64_t token_width = static_cast<std::int64_t>(cache.num_kv_heads) * hd;
  const __half* kbase = reinterpret_cast<const __half*>(cache.key) + kv_head * hd;
  const __half* vbase = reinterpret_cast<const __half*>(cache.value) + kv_head * hd;
  float running_max = -INFINITY, running_sum = 0.0f, acc0 = 0.0f, acc1 = 0.0f;
  for (int start = 0; start < len; start += kChunk) {
    const int n = min(kChunk, len - start);
    float local_max = -INFINITY;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      const int tok = start + j;
      const std::int64_t slot = static_cast<std::int64_t>(table[tok / cache.block_size]) * cache.block_size +
                                tok % cache.block_size;
      const __half* kr = kbase + slot * token_width;
      float s = 0.0f;
      for (int d = 0; d < hd; ++d) s += q_s[d] * __half2float(kr[d]);
      scores[j] = s;
      local_max = fmaxf(local_max, s);
    }
    const float chunk_max = BlockMax(local_max, scratch);  // also orders the score writes before reads
    const float new_max = fmaxf(running_max, chunk_max);
    const float alpha = expf(running_max - new_max);  // 0 for the first chunk
    float local_sum = 0.0f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
      const float p = expf(scores[j] - new_max);
      scores[j] = p;
      local_sum += p;
    }
    const float chunk_sum = BlockSum(local_sum, scratch);  // orders the p writes before the reads below
    running_sum = running_sum * alpha + chunk_sum;
    acc0 *= alpha;
    acc1 *= alpha;
    for (int j = 0; j < n; ++j) {
      const int tok = start + j;
      const std::int64_t slot = static_cast<std::int64_t>(table[tok / cache.block_size]) * cache.block_size +
                                tok % cache.block_size;
      const __half* vr = vbase + slot * token_width;
      const float p = scores[j];
      if (d0 < hd) acc0 += p * __half2float(vr[d0]);
      if (d1 < hd) acc1 += p * __half2float(vr[d1]);
    }
    running_max = new_max;
    __syncthreads();  // every thread is done with scores before the next chunk overwrites them
  }
  __half* out = reinterpret_cast<__half*>(a.out) + (seq * a.num_q_heads + head) * hd;
  const float inv = running_sum > 0.0f ? 1.0f / running_sum : 0.0f;
  if (d0 < hd) out[d0] = __float2half_rn(acc0 * inv);
  if (d1 < hd) out[d1] = __float2half_rn(acc1 * inv);
}

Status CheckCache(const PagedKvCache& c) {
  if (c.key == nullptr || c.value == nullptr) return Status::InvalidArgument("KV cache: null pool");
  if (c.num_blocks <= 0 || c.block_size <= 0 || c.num_kv_heads <= 0 || c.head_dim <= 0) {
    return Status::InvalidArgument("KV cache: bad shape");
  }
  return Status::Ok();
}

}  // namespace

Status WriteKvCache(const std::uint16_t* key, const std::uint16_t* value, std::int64_t token_stride,
                    const std::int64_t* slot_mapping, std::int64_t tokens, const PagedKvCache& cache,
                    Stream stream) {
  TPSIM_RETURN_IF_ERROR(CheckCache(cache));
  if (key == nullptr || value == nullptr || slot_mapping == nullptr) {
    return Status::InvalidArgument("WriteKvCache: null tensor");
  }
  if (tokens < 0 || tokens > 0x7fffffff || token_stride < static_cast<std::int64_t>(cache.num_kv_heads) * cache.head_dim) {
    return Status::InvalidArgument("WriteKvCache: bad shape");
  }
  if (tokens == 0) return Status::Ok();
  WriteKvCacheKernel<<<static_cast<unsigned>(tokens), 128, 0, AsCudaStream(stream)>>>(
      reinterpret_cast<const __half*>(key), reinterpret_cast<const __half*>(value), token_stride,
      slot_mapping, cache);
  return LaunchStatus("WriteKvCacheKernel");
}

Status PagedDecodeAttention(const DecodeAttentionArgs& a, const PagedKvCache& cache, Stream stream) {
  TPSIM_RETURN_IF_ERROR(CheckCache(cache));
  if (a.q == nullptr || a.block_tables == nullptr || a.seq_lens == nullptr || a.out == nullptr) {
    return Status::InvalidArgument("PagedDecodeAttention: null tensor");
  }
  if (cache.head_dim > kMaxHeadDim) return Status::InvalidArgument("PagedDecodeAttention: head_dim > 256");
  if (a.num_q_heads <= 0 || a.num_q_heads % cache.num_kv_heads != 0 || a.num_q_heads > 65535) {
    return Status::InvalidArgument("PagedDecodeAttention: query heads must be a multiple of KV heads");
  }
  if (a.num_seqs < 0 || a.num_seqs > 0x7fffffff || a.max_blocks_per_seq <= 0) {
    return Status::InvalidArgument("PagedDecodeAttention: bad shape");
  }
  if (a.num_seqs == 0) return Status::Ok();
  const dim3 grid(static_cast<unsigned>(a.num_seqs), static_cast<unsigned>(a.num_q_heads));
  DecodeAttentionKernel<<<grid, kAttnThreads, 0, AsCudaStream(stream)>>>(a, cache);
  return LaunchStatus("DecodeAttentionKernel");
}

}  // namespace tpsim::gpu
