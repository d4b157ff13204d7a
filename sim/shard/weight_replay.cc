#include "sim/shard/weight_replay.h"

namespace tpsim {

StatusOr<std::vector<BlockHandle>> ReplayLoadOrder(const ShardPlan& plan, const TensorAlloc& alloc,
                                                   const TensorRelease& release) {
  std::vector<BlockHandle> handles;
  handles.reserve(plan.tensors.size());
  for (const TensorSpec& t : plan.tensors) {
    TPSIM_ASSIGN_OR_RETURN(BlockHandle h, alloc(t));
    handles.push_back(h);
  }
  for (const PostLoadStep& step : plan.post_load) {
    for (const TensorSpec& t : step.allocate) {
      TPSIM_ASSIGN_OR_RETURN(BlockHandle h, alloc(t));
      handles.push_back(h);
    }
    for (int idx : step.release) {
      release(handles[idx]);
      handles[idx] = 0;
    }
  }
  std::erase(handles, BlockHandle{0});
  return handles;
}

StatusOr<LoadedWeights> ReplayWeightLoad(const ShardPlan& plan, CachingAllocator* allocator) {
  const Bytes before = allocator->stats().allocated;
  const Bytes requested_before = allocator->stats().requested;
  TPSIM_ASSIGN_OR_RETURN(
      std::vector<BlockHandle> live,
      ReplayLoadOrder(
          plan, [&](const TensorSpec& t) { return allocator->Malloc(t.bytes(), t.name); },
          [&](BlockHandle h) { allocator->Free(h); }));
  LoadedWeights out;
  out.live = std::move(live);
  out.allocated_increase = allocator->stats().allocated - before;
  out.tensor_bytes = allocator->stats().requested - requested_before;
  return out;
}

}  // namespace tpsim
