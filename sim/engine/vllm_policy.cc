#include "sim/engine/vllm_policy.h"

#include "sim/engine/era_policies.h"

namespace tpsim {

KvBudget ThreeTermBudget(const ProfileReadings& r, Bytes cudagraph) {
  KvBudget b;
  b.activation_peak = r.peak_during_profile - r.before_profile.torch_allocated;
  b.non_torch = r.after_profile.non_torch() - r.init.non_torch();
  b.available = r.requested - (r.weights + b.activation_peak + b.non_torch) - cudagraph;
  return b;
}

KvVerdict KvCacheTooSmall(const char* message) {
  KvVerdict v;
  v.kind = ErrorKind::kKvCacheTooSmall;
  v.message = message;
  return v;
}

double TokensOverLengthConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                                   std::int64_t max_model_len) {
  return static_cast<double>(num_blocks * block_size) / static_cast<double>(max_model_len);
}

const VllmPolicy& PolicyFor(VllmEra era) {
  return era == VllmEra::kV0 ? V0PolicyInstance() : V1PolicyInstance(era);
}

const VllmPolicy& PolicyFor(const ResolvedConfig& cfg) { return PolicyFor(cfg.era); }

}  // namespace tpsim
