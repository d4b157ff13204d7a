// VllmVersion: a vLLM release number and the accounting era it belongs to
// (research/vllm_memory_mechanism.md §1.4, DESIGN §5).
#ifndef TPSIM_SIM_ENGINE_VLLM_VERSION_H_
#define TPSIM_SIM_ENGINE_VLLM_VERSION_H_

#include <compare>
#include <string>
#include <string_view>

#include "sim/base/status_or.h"
#include "topology/versions.h"

namespace tpsim {

// Parses a vLLM version (topology/versions.h ParseVllmVersion: "0.19.0", "v0.10.1.1", "0.8.5.post1")
// and checks it is one tpsim models: 0.6.5 <= v < 1.0. InvalidArgument otherwise.
StatusOr<VllmVersion> ParseSupportedVllmVersion(const std::string& text);

// The accounting eras, each a policy of its own (DESIGN §5).
enum class VllmEra {
  kV0,          // 0.6.5 - 0.10.x with the V0 engine (also a V1-era version on compute capability < 8.0)
  kV1_0_8,      // 0.8.0 - 0.9.0: peak includes weights, baseline includes other processes
  kV1_0_9_1,    // 0.9.1 - 0.10.x: requested - (weights + peak + non-torch), snapshot before NCCL
  kV1_0_11,     // 0.11 - 0.17: snapshot after NCCL
  kV1_0_18,     // 0.18 - 0.19: CUDA-graph estimate logged, subtracted only with the env var
  kV1_0_20,     // 0.20+: CUDA-graph estimate subtracted, default utilization 0.92
};

std::string_view VllmEraName(VllmEra era);

// V1 is the default from 0.8.0; the V1 oracle falls back to V0 for compute capability < 8.0 while V0
// exists (deleted by PR #25321 for 0.11). REQUIRES: a version ParseSupportedVllmVersion accepted.
// InvalidArgument for cc < 8.0 on 0.11+ (vLLM V1 needs compute capability 8.0... as of those releases).
StatusOr<VllmEra> EraOf(const VllmVersion& v, int compute_capability);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_VLLM_VERSION_H_
