#include "sim/engine/vllm_version.h"

#include <cstdio>
#include <string>

namespace tpsim {

StatusOr<VllmVersion> ParseSupportedVllmVersion(const std::string& text) {
  StatusOr<VllmVersion> v = ParseVllmVersion(text);
  if (!v.ok()) {
    return Status::InvalidArgument("invalid --vllm-version '" + text + "' (expected X.Y.Z, e.g. 0.19.0)");
  }
  if (*v < VllmVersion{0, 6, 5} || *v >= VllmVersion{1, 0, 0}) {
    return Status::InvalidArgument("unsupported --vllm-version " + ToString(*v) +
                                   " (tpsim models vLLM 0.6.5 to 0.x)");
  }
  return v;
}

std::string_view VllmEraName(VllmEra era) {
  switch (era) {
    case VllmEra::kV0: return "V0 (0.6.5-0.10)";
    case VllmEra::kV1_0_8: return "V1 (0.8-0.9.0)";
    case VllmEra::kV1_0_9_1: return "V1 (0.9.1-0.10)";
    case VllmEra::kV1_0_11: return "V1 (0.11-0.17)";
    case VllmEra::kV1_0_18: return "V1 (0.18-0.19)";
    case VllmEra::kV1_0_20: return "V1 (0.20+)";
  }
  return "?";
}

StatusOr<VllmEra> EraOf(const VllmVersion& v, int compute_capability) {
  if (v < VllmVersion{0, 8, 0}) return VllmEra::kV0;
  if (compute_capability < 80) {
    if (v < VllmVersion{0, 11, 0}) return VllmEra::kV0;  // _is_v1_supported_oracle falls back
  }
  if (v < VllmVersion{0, 9, 1}) return VllmEra::kV1_0_8;
  if (v < VllmVersion{0, 11, 0}) return VllmEra::kV1_0_9_1;
  if (v < VllmVersion{0, 18, 0}) return VllmEra::kV1_0_11;
  if (v < VllmVersion{0, 20, 0}) return VllmEra::kV1_0_18;
  return VllmEra::kV1_0_20;
}

}  // namespace tpsim
