#include "sim/engine/kv_cache.h"

#include <algorithm>

#include "sim/engine/vllm_policy.h"

namespace tpsim {

Bytes PageBytesPerLayer(const ResolvedConfig& cfg) {
  const std::int64_t kv_heads = std::max<std::int64_t>(1, cfg.model.num_kv_heads / cfg.tp);
  return 2 * static_cast<Bytes>(cfg.block_size) * kv_heads * cfg.model.head_dim *
         DTypeBytes(cfg.kv_dtype);
}

std::int64_t NumBlocks(const ResolvedConfig& cfg, Bytes available) {
  if (available <= 0) return 0;
  return PolicyFor(cfg).NumBlocks(available, PageBytesPerLayer(cfg), cfg.model.num_layers);
}

Bytes BytesForOneRequest(const ResolvedConfig& cfg, std::int64_t len) {
  return cfg.model.num_layers * CeilDiv(len, cfg.block_size) * PageBytesPerLayer(cfg);
}

std::int64_t EstimateMaxModelLen(const ResolvedConfig& cfg, Bytes available) {
  std::int64_t lo = 1, hi = cfg.max_model_len, best = 0;
  while (lo <= hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (BytesForOneRequest(cfg, mid) <= available) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes available, std::int64_t num_blocks) {
  if (available <= 0 || num_blocks <= 0) {
    KvVerdict v;
    v.kind = ErrorKind::kNoKvMemory;
    v.message = "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
                "when initializing the engine.";
    return v;
  }
  return PolicyFor(cfg).CheckKvCache(cfg, available, num_blocks);
}

}  // namespace tpsim
