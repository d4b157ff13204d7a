// Replays a rank's weight allocations through the caching allocator the way vLLM's model loader does:
// every parameter and buffer allocated at model construction (ShardPlan::tensors order), then
// process_weights_after_loading per module (ShardPlan::post_load). The result is what vLLM logs as
// "Model loading took X GiB": torch's allocated bytes after load (research §1.1 step 2, §6.4).
#ifndef TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_
#define TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_

#include <vector>

#include "sim/base/status_or.h"
#include "sim/device/caching_allocator.h"
#include "sim/shard/shard_plan.h"

namespace tpsim {

struct LoadedWeights {
  std::vector<BlockHandle> live;  // handles of the tensors that stay allocated
  Bytes allocated_increase = 0;   // torch allocated after load minus before ("Model loading took")
  Bytes tensor_bytes = 0;         // plain sum of the live tensors' sizes
};

// Observer of each allocation/free; may be null.
class AllocationObserver {
 public:
  virtual ~AllocationObserver() = default;
  virtual void OnMalloc(std::string_view label, Bytes bytes) = 0;
  virtual void OnFree(std::string_view label, Bytes bytes) = 0;
};

// REQUIRES: allocator is empty of other live weight blocks only in the sense that the returned
// increase is measured relative to its state on entry. ResourceExhausted when the card is full.
StatusOr<LoadedWeights> ReplayWeightLoad(const ShardPlan& plan, CachingAllocator* allocator,
                                         AllocationObserver* observer = nullptr);

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_
