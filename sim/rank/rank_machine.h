// RankMachine: executes one rank's start-up program (allocations, frees, collectives, phase marks) on a
// Device through the caching-allocator replay, records the Timeline, and reads counters the way vLLM
// reads torch.cuda.memory_stats() and mem_get_info(). The vLLM policy drives it; the machine knows
// nothing about vLLM.
//
// Category accounting for the timeline: a torch allocation charges its block size to its category; the
// part of torch's reserved memory not covered by live blocks (cached free blocks) is charged to the
// category of the allocation that created the segment. Thread-compatible; one per rank.
//
// Event recording can be turned off (set_record_events(false)) for callers that need only the numbers
// (tune, sweep): phases are still kept, the device's highest use is still sampled after every
// operation exactly as the events would sample it, and no counter or verdict changes.
#ifndef TPSIM_SIM_RANK_RANK_MACHINE_H_
#define TPSIM_SIM_RANK_RANK_MACHINE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/device/caching_allocator.h"
#include "sim/device/device.h"
#include "sim/rank/timeline.h"

namespace tpsim {

// What vLLM's MemorySnapshot.measure() reads (vllm/utils/mem_utils.py).
struct MemSnapshot {
  Bytes torch_peak = 0;       // allocated_bytes.all.peak
  Bytes torch_allocated = 0;  // memory_allocated()
  Bytes torch_reserved = 0;   // memory_reserved()
  Bytes cuda_used = 0;        // total - free
  Bytes free = 0;
  Bytes total = 0;
  Bytes non_torch() const { return cuda_used - torch_reserved; }
};

class RankMachine {
 public:
  // REQUIRES: device outlives the machine.
  RankMachine(Device* device, int rank);

  int rank() const { return rank_; }
  // Starts a phase; closes the previous one.
  void BeginPhase(const std::string& name);
  // Advances the simulated clock by `seconds` (>= 0) within the current phase.
  void Advance(double seconds);
  double now_s() const { return now_s_; }

  StatusOr<BlockHandle> TorchAlloc(MemCategory cat, const std::string& label, Bytes bytes,
                                   PoolId pool = 0);
  void TorchFree(BlockHandle handle);
  StatusOr<RawHandle> RawAlloc(MemCategory cat, const std::string& label, Bytes bytes);
  void RawFree(RawHandle handle);
  void EmptyCache();
  void ReleasePool(PoolId pool);
  void ResetPeak() { allocator_.ResetPeak(); }
  void Collective(const std::string& label, Bytes bytes);
  void Mark(const std::string& label);

  // Whether each operation appends a TimelineEvent (default true).
  void set_record_events(bool on) { record_events_ = on; }
  bool record_events() const { return record_events_; }
  // The highest device use seen after any operation so far (the maximum of the events' device_used,
  // whether or not events are recorded).
  Bytes peak_device_used() const { return peak_device_used_; }

  MemSnapshot Snapshot() const;
  const CachingAllocator& allocator() const { return allocator_; }
  // Device bytes charged to a category now (see the class comment).
  Bytes CategoryBytes(MemCategory cat) const;
  // Closes the last phase and returns the timeline.
  Timeline Finish();

 private:
  void Record(EventKind kind, MemCategory cat, const std::string& label, Bytes bytes, bool torch);
  std::array<Bytes, kNumCategories> ByCategory() const;

  Device* device_;
  int rank_;
  CachingAllocator allocator_;
  Timeline timeline_;
  double now_s_ = 0;
  std::string phase_;
  bool record_events_ = true;
  Bytes peak_device_used_ = 0;
  // Indexed by handle (the allocator issues them densely from 1); size 0 = not live.
  struct TorchLive {
    MemCategory cat = MemCategory::kContext;
    Bytes size = 0;
  };
  std::vector<TorchLive> torch_live_;
  std::map<RawHandle, std::pair<MemCategory, Bytes>> raw_live_;
  std::array<Bytes, kNumCategories> torch_by_cat_{};
  std::array<Bytes, kNumCategories> raw_by_cat_{};
  // Reserved-but-unallocated bytes are charged to the category that grew torch's reservation most
  // recently; this is a display rule for the picture only.
  MemCategory last_reserving_cat_ = MemCategory::kWeights;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_RANK_RANK_MACHINE_H_
