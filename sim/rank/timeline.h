// Timeline: every allocation, free, collective and phase mark of one rank's start-up, with its memory
// category and the allocator/device counters after it, on a simulated clock (DESIGN §6, issue 6).
#ifndef TPSIM_SIM_RANK_TIMELINE_H_
#define TPSIM_SIM_RANK_TIMELINE_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/units.h"

namespace tpsim {

enum class MemCategory {
  kContext,        // CUDA context, torch init, lazily loaded kernels
  kCommunication,  // NCCL, custom all-reduce, symmetric memory
  kRunnerBuffers,  // GPUModelRunner persistent input buffers
  kWeights,
  kActivations,    // forward-pass temporaries and cuBLAS workspace
  kSampler,        // logits and sampler temporaries
  kKvCache,
  kCudaGraph,
  kCount,
};
inline constexpr int kNumCategories = static_cast<int>(MemCategory::kCount);
std::string_view CategoryName(MemCategory c);

enum class EventKind { kPhase, kAlloc, kFree, kCollective, kMark };
std::string_view EventKindName(EventKind k);

struct TimelineEvent {
  double time_s = 0;
  EventKind kind = EventKind::kMark;
  std::string phase;
  MemCategory category = MemCategory::kContext;
  std::string label;
  Bytes bytes = 0;
  bool torch = false;          // through the caching allocator
  Bytes allocated = 0;         // torch memory_allocated after the event
  Bytes reserved = 0;          // torch memory_reserved after the event
  Bytes device_used = 0;       // cudaMemGetInfo total - free after the event
  std::array<Bytes, kNumCategories> by_category{};  // device bytes per category after the event
};

struct PhaseSpan {
  std::string name;
  double begin_s = 0;
  double end_s = 0;
  Bytes device_used_end = 0;
};

struct Timeline {
  int rank = 0;
  std::vector<TimelineEvent> events;
  std::vector<PhaseSpan> phases;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_RANK_TIMELINE_H_
