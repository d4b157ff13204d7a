#include "sim/engine/vllm_version.h"

#include <cstdio>
#include <string>

namespace tpsim {

std::string VllmVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

StatusOr<VllmVersion> ParseVllmVersion(std::string_view text) {
  std::string s(text);
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s = s.substr(1);
  VllmVersion v;
  int fields[4] = {0, 0, 0, 0};
  int n = 0;
  std::size_t pos = 0;
  while (n < 4) {
    std::size_t end = s.find('.', pos);
    std::string part = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    if (part.empty() || part.size() > 4 || part.find_first_not_of("0123456789") != std::string::npos) {
      return Status::InvalidArgument("invalid --vllm-version '" + std::string(text) +
                                     "' (expected X.Y.Z, e.g. 0.19.0)");
    }
    fields[n++] = std::stoi(part);
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (n < 2 || (n == 4 && s.find('.', pos) != std::string::npos)) {
    return Status::InvalidArgument("invalid --vllm-version '" + std::string(text) +
                                   "' (expected X.Y.Z, e.g. 0.19.0)");
  }
  v.major = fields[0];
  v.minor = fields[1];
  v.patch = fields[2];
  if (v < VllmVersion{0, 6, 5} || v >= VllmVersion{1, 0, 0}) {
    return Status::InvalidArgument("unsupported --vllm-version " + v.ToString() +
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
