// KV-cache arithmetic of vLLM (research/vllm_memory_mechanism.md §3): page bytes per layer with KV-head
// replication, blocks from the available bytes, tokens, and the errors vLLM raises when a request of
// max_model_len does not fit, with the binary-searched estimate of the longest length that would. The
// era's policy (vllm_policy.h) owns the block rounding and the check after sizing; the functions here
// apply them to a configuration.
#ifndef TPSIM_SIM_ENGINE_KV_CACHE_H_
#define TPSIM_SIM_ENGINE_KV_CACHE_H_

#include <cstdint>
#include <string>

#include "sim/base/error_kind.h"
#include "sim/base/units.h"
#include "sim/engine/resolved_config.h"

namespace tpsim {

// 2 x block_size x n_kv_r x head_dim x dtype bytes (FullAttentionSpec.real_page_size_bytes).
Bytes PageBytesPerLayer(const ResolvedConfig& cfg);
// The era's rounding of available bytes into blocks (VllmPolicy::NumBlocks); 0 when available <= 0.
std::int64_t NumBlocks(const ResolvedConfig& cfg, Bytes available);
// Bytes one request of `len` tokens needs: L x ceil(len / block_size) x page.
Bytes BytesForOneRequest(const ResolvedConfig& cfg, std::int64_t len);
// The longest length in [1, max_model_len] whose request fits in `available` (binary search as vLLM's
// estimate_max_model_len); 0 when none fits.
std::int64_t EstimateMaxModelLen(const ResolvedConfig& cfg, Bytes available);

struct KvVerdict {
  ErrorKind kind = ErrorKind::kNone;  // kNone when it fits, else kNoKvMemory or kKvCacheTooSmall
  std::string message;  // vLLM's text
};
// vLLM's checks after sizing: "no_kv_memory" in every era when nothing is left, else the era's own
// check (VllmPolicy::CheckKvCache: V1 _check_enough_kv_cache_memory; V0 raise_if_cache_size_invalid).
KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes available, std::int64_t num_blocks);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_KV_CACHE_H_
