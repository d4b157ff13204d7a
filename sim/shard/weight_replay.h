// Replays a rank's weight allocations through the caching allocator the way vLLM's model loader does:
// every parameter and buffer allocated at model construction (ShardPlan::tensors order), then
// process_weights_after_loading per module (ShardPlan::post_load). The result is what vLLM logs as
// "Model loading took X GiB": torch's allocated bytes after load (research §1.1 step 2, §6.4).
#ifndef TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_
#define TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_

#include <functional>
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

// The load order itself, over any allocator: `alloc` is called for every tensor in ShardPlan::tensors,
// then for each post-load step its new tensors are allocated and the released ones passed to `release`.
// Returns the handles of the tensors that stay allocated (0 entries removed), in allocation order.
using TensorAlloc = std::function<StatusOr<BlockHandle>(const TensorSpec&)>;
using TensorRelease = std::function<void(BlockHandle)>;
StatusOr<std::vector<BlockHandle>> ReplayLoadOrder(const ShardPlan& plan, const TensorAlloc& alloc,
                                                   const TensorRelease& release);

// ReplayLoadOrder on a bare CachingAllocator. ResourceExhausted when the card is full.
StatusOr<LoadedWeights> ReplayWeightLoad(const ShardPlan& plan, CachingAllocator* allocator);

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_WEIGHT_REPLAY_H_
