#include "sim/rank/timeline.h"

namespace tpsim {

std::string_view CategoryName(MemCategory c) {
  switch (c) {
    case MemCategory::kContext: return "context";
    case MemCategory::kCommunication: return "communication";
    case MemCategory::kRunnerBuffers: return "runner_buffers";
    case MemCategory::kWeights: return "weights";
    case MemCategory::kActivations: return "activations";
    case MemCategory::kSampler: return "sampler";
    case MemCategory::kKvCache: return "kv_cache";
    case MemCategory::kCudaGraph: return "cudagraph";
    case MemCategory::kCount: break;
  }
  return "?";
}

std::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kPhase: return "phase";
    case EventKind::kAlloc: return "alloc";
    case EventKind::kFree: return "free";
    case EventKind::kCollective: return "collective";
    case EventKind::kMark: return "mark";
  }
  return "?";
}

}  // namespace tpsim
