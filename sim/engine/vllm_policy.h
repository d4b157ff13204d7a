// VllmPolicy: how one accounting era of vLLM turns the device counters it reads into the memory it
// hands to the KV cache (research/vllm_memory_mechanism.md §1.4). One policy object per era, behind one
// interface; StartupRun (startup.h) drives the phases and asks the policy at the points where the eras
// differ. MakePolicy picks the policy for a ResolvedConfig.
#ifndef TPSIM_SIM_ENGINE_VLLM_POLICY_H_
#define TPSIM_SIM_ENGINE_VLLM_POLICY_H_

#include <memory>
#include <string>

#include "sim/engine/resolved_config.h"
#include "sim/rank/rank_machine.h"

namespace tpsim {

// Counters read at the points vLLM reads them.
struct ProfileReadings {
  MemSnapshot init;            // vLLM's init/baseline snapshot
  MemSnapshot before_profile;  // after empty_cache + reset_peak, before the dummy run
  MemSnapshot after_profile;   // after the dummy run, gc and empty_cache
  Bytes peak_during_profile = 0;  // torch allocated peak read right after profile_run
  Bytes weights = 0;           // "Model loading took"
  Bytes requested = 0;
  Bytes cudagraph_estimate = 0;
};

struct KvBudget {
  Bytes available = 0;
  Bytes activation_peak = 0;  // as that version logs it
  Bytes non_torch = 0;        // as that version logs it
};

class VllmPolicy {
 public:
  virtual ~VllmPolicy() = default;
  virtual std::string_view name() const = 0;
  // True when the init snapshot is taken before distributed init (NCCL then counts as non-torch).
  virtual bool SnapshotBeforeDistributedInit() const = 0;
  // True for the V0 engine (eager profile, S logits rows, V0 block arithmetic and messages).
  virtual bool IsV0() const { return false; }
  // ceil(total x u) (V1 >= 0.9.1) or total x u.
  virtual Bytes Requested(Bytes total, double u) const;
  // The era's formula for the KV budget.
  virtual KvBudget Budget(const ProfileReadings& r) const = 0;
  // Whether the CUDA-graph estimate is measured in the profiling window (v0.18+).
  virtual bool EstimatesCudaGraphs() const { return false; }
  // "Maximum concurrency" for num_blocks.
  virtual double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                                std::int64_t max_model_len) const;
};

std::unique_ptr<VllmPolicy> MakePolicy(const ResolvedConfig& cfg);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_VLLM_POLICY_H_
