#include "sim/engine/vllm_policy.h"

#include <cmath>

namespace tpsim {

Bytes VllmPolicy::Requested(Bytes total, double u) const {
  return static_cast<Bytes>(std::ceil(static_cast<double>(total) * u));
}

double VllmPolicy::MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                                  std::int64_t max_model_len) const {
  // get_max_concurrency_for_kv_cache_config (PR #19029, >= 0.9.1).
  return static_cast<double>(num_blocks) /
         static_cast<double>(CeilDiv(max_model_len, block_size));
}

namespace {

// Shared by V1 >= 0.9.1 and V0 >= 0.6.5: requested - (weights + peak increase + non-torch increase).
KvBudget ThreeTerms(const ProfileReadings& r, Bytes cudagraph) {
  KvBudget b;
  b.activation_peak = r.peak_during_profile - r.before_profile.torch_allocated;
  b.non_torch = r.after_profile.non_torch() - r.init.non_torch();
  b.available = r.requested - (r.weights + b.activation_peak + b.non_torch) - cudagraph;
  return b;
}

// V0, 0.6.5 - 0.10 (vllm/worker/worker.py, memory_profiling): baseline before NCCL init.
class V0Policy final : public VllmPolicy {
 public:
  std::string_view name() const override { return "V0 (0.6.5-0.10)"; }
  bool SnapshotBeforeDistributedInit() const override { return true; }
  bool IsV0() const override { return true; }
  Bytes Requested(Bytes total, double u) const override {
    return static_cast<Bytes>(static_cast<double>(total) * u);
  }
  KvBudget Budget(const ProfileReadings& r) const override { return ThreeTerms(r, 0); }
  double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                        std::int64_t max_model_len) const override {
    return static_cast<double>(num_blocks * block_size) / static_cast<double>(max_model_len);
  }
};

// V1 0.8.0 - 0.9.0 (gpu_worker.determine_available_memory ≈v0.8.0): the peak includes the weights and
// the non-torch part is everything the device holds outside torch's allocated bytes (context, NCCL,
// other processes, torch's cached-but-free blocks).
class V1_0_8Policy final : public VllmPolicy {
 public:
  std::string_view name() const override { return "V1 (0.8-0.9.0)"; }
  bool SnapshotBeforeDistributedInit() const override { return true; }
  Bytes Requested(Bytes total, double u) const override {
    return static_cast<Bytes>(static_cast<double>(total) * u);
  }
  KvBudget Budget(const ProfileReadings& r) const override {
    KvBudget b;
    b.activation_peak = r.peak_during_profile - r.before_profile.torch_allocated;
    b.non_torch = std::max<Bytes>(0, r.after_profile.cuda_used - r.after_profile.torch_allocated);
    b.available = r.requested - (r.peak_during_profile + b.non_torch);
    return b;
  }
  double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                        std::int64_t max_model_len) const override {
    return static_cast<double>(num_blocks * block_size) / static_cast<double>(max_model_len);
  }
};

// V1 0.9.1 - 0.10.x: three terms, init snapshot before NCCL (PRs #18974, #19312).
class V1_0_9_1Policy final : public VllmPolicy {
 public:
  std::string_view name() const override { return "V1 (0.9.1-0.10)"; }
  bool SnapshotBeforeDistributedInit() const override { return true; }
  KvBudget Budget(const ProfileReadings& r) const override { return ThreeTerms(r, 0); }
};

// V1 0.11 - 0.17: the snapshot moved after NCCL init (PR #25359).
class V1_0_11Policy final : public VllmPolicy {
 public:
  std::string_view name() const override { return "V1 (0.11-0.17)"; }
  bool SnapshotBeforeDistributedInit() const override { return false; }
  KvBudget Budget(const ProfileReadings& r) const override { return ThreeTerms(r, 0); }
};

// V1 0.18 - 0.19: the CUDA-graph estimate is measured; subtracted only with
// VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (PR #30515). V1 0.20+: subtracted by default (PR #38284).
class V1_0_18Policy final : public VllmPolicy {
 public:
  explicit V1_0_18Policy(bool subtract, bool v020) : subtract_(subtract), v020_(v020) {}
  std::string_view name() const override { return v020_ ? "V1 (0.20+)" : "V1 (0.18-0.19)"; }
  bool SnapshotBeforeDistributedInit() const override { return false; }
  bool EstimatesCudaGraphs() const override { return true; }
  KvBudget Budget(const ProfileReadings& r) const override {
    return ThreeTerms(r, subtract_ ? r.cudagraph_estimate : 0);
  }

 private:
  bool subtract_;
  bool v020_;
};

}  // namespace

std::unique_ptr<VllmPolicy> MakePolicy(const ResolvedConfig& cfg) {
  switch (cfg.era) {
    case VllmEra::kV0: return std::make_unique<V0Policy>();
    case VllmEra::kV1_0_8: return std::make_unique<V1_0_8Policy>();
    case VllmEra::kV1_0_9_1: return std::make_unique<V1_0_9_1Policy>();
    case VllmEra::kV1_0_11: return std::make_unique<V1_0_11Policy>();
    case VllmEra::kV1_0_18:
      return std::make_unique<V1_0_18Policy>(cfg.subtract_cudagraph_estimate, false);
    case VllmEra::kV1_0_20:
      return std::make_unique<V1_0_18Policy>(cfg.subtract_cudagraph_estimate, true);
  }
  return std::make_unique<V1_0_11Policy>();
}

}  // namespace tpsim
