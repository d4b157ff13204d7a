// Internal to the era policies (vllm_policy.h): the instances defined in v0_policy.cc and
// v1_policies.cc, and the pieces several eras share.
#ifndef TPSIM_SIM_ENGINE_ERA_POLICIES_H_
#define TPSIM_SIM_ENGINE_ERA_POLICIES_H_

#include "sim/engine/vllm_policy.h"

namespace tpsim {

const VllmPolicy& V0PolicyInstance();
// REQUIRES: era is one of the V1 eras.
const VllmPolicy& V1PolicyInstance(VllmEra era);

// requested - (weights + peak increase + non-torch increase) - cudagraph: V0 from 0.6.5 (PR #10511) and
// V1 from 0.9.1 (PRs #18974, #19312).
KvBudget ThreeTermBudget(const ProfileReadings& r, Bytes cudagraph);

// The "kv_cache_too_small" verdict with vLLM's message.
KvVerdict KvCacheTooSmall(const char* message);

// num_blocks x block_size / max_model_len: the concurrency V0 and V1 before PR #19029 log.
double TokensOverLengthConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                                   std::int64_t max_model_len);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_ERA_POLICIES_H_
