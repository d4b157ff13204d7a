#include "sim/shard/weight_replay.h"

namespace tpsim {

StatusOr<LoadedWeights> ReplayWeightLoad(const ShardPlan& plan, CachingAllocator* allocator,
                                         AllocationObserver* observer) {
  const Bytes before = allocator->stats().allocated;
  std::vector<BlockHandle> handles;
  std::vector<Bytes> sizes;
  handles.reserve(plan.tensors.size());
  for (const TensorSpec& t : plan.tensors) {
    TPSIM_ASSIGN_OR_RETURN(BlockHandle h, allocator->Malloc(t.bytes(), t.name));
    if (observer != nullptr) observer->OnMalloc(t.name, t.bytes());
    handles.push_back(h);
    sizes.push_back(t.bytes());
  }
  for (const PostLoadStep& step : plan.post_load) {
    for (const TensorSpec& t : step.allocate) {
      TPSIM_ASSIGN_OR_RETURN(BlockHandle h, allocator->Malloc(t.bytes(), t.name));
      if (observer != nullptr) observer->OnMalloc(t.name, t.bytes());
      handles.push_back(h);
      sizes.push_back(t.bytes());
    }
    for (int idx : step.release) {
      allocator->Free(handles[idx]);
      if (observer != nullptr) observer->OnFree(plan.tensors[idx].name, sizes[idx]);
      handles[idx] = 0;
    }
  }
  LoadedWeights out;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    if (handles[i] == 0) continue;
    out.live.push_back(handles[i]);
    out.tensor_bytes += sizes[i];
  }
  out.allocated_increase = allocator->stats().allocated - before;
  return out;
}

}  // namespace tpsim
