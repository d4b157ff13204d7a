#include "sim/engine/kv_cache.h"

#include <algorithm>
#include <cstdio>

namespace tpsim {

Bytes PageBytesPerLayer(const ResolvedConfig& cfg) {
  const std::int64_t kv_heads = std::max<std::int64_t>(1, cfg.model.num_kv_heads / cfg.tp);
  return 2 * static_cast<Bytes>(cfg.block_size) * kv_heads * cfg.model.head_dim *
         DTypeBytes(cfg.kv_dtype);
}

std::int64_t NumBlocks(const ResolvedConfig& cfg, Bytes available, bool v0) {
  if (available <= 0) return 0;
  const Bytes page = PageBytesPerLayer(cfg);
  if (v0) return available / (page * cfg.model.num_layers);
  return (available / page) / cfg.model.num_layers;
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

KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes available, std::int64_t num_blocks, bool v0) {
  KvVerdict v;
  if (available <= 0 || num_blocks <= 0) {
    v.kind = "no_kv_memory";
    v.message = "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` "
                "when initializing the engine.";
    return v;
  }
  char buf[768];
  if (v0) {
    const std::int64_t tokens = cfg.block_size * num_blocks;
    if (cfg.max_model_len > tokens) {
      v.kind = "kv_cache_too_small";
      std::snprintf(buf, sizeof(buf),
                    "The model's max seq len (%lld) is larger than the maximum number of tokens that "
                    "can be stored in KV cache (%lld). Try increasing `gpu_memory_utilization` or "
                    "decreasing `max_model_len` when initializing the engine.",
                    static_cast<long long>(cfg.max_model_len), static_cast<long long>(tokens));
      v.message = buf;
    }
    return v;
  }
  const Bytes needed = BytesForOneRequest(cfg, cfg.max_model_len);
  if (needed > available) {
    v.kind = "kv_cache_too_small";
    std::snprintf(buf, sizeof(buf),
                  "To serve at least one request with the models's max seq len (%lld), (%.2f GiB KV "
                  "cache is needed, which is larger than the available KV cache memory (%.2f GiB). "
                  "Based on the available memory, the estimated maximum model length is %lld. Try "
                  "increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                  "initializing the engine.",
                  static_cast<long long>(cfg.max_model_len), ToGiB(needed), ToGiB(available),
                  static_cast<long long>(EstimateMaxModelLen(cfg, available)));
    v.message = buf;
  }
  return v;
}

}  // namespace tpsim
