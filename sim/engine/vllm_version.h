// VllmVersion: a vLLM release number. Only the release table (release_table.h) and the era policies
// (vllm_policy.h) compare versions; everything else asks them what a release does.
#ifndef TPSIM_SIM_ENGINE_VLLM_VERSION_H_
#define TPSIM_SIM_ENGINE_VLLM_VERSION_H_

#include <compare>
#include <string>

#include "sim/base/status_or.h"

namespace tpsim {

// Compares component-wise with <=>. The default is the release tpsim follows when none is given.
struct VllmVersion {
  int major = 0, minor = 19, patch = 0;
  friend auto operator<=>(const VllmVersion&, const VllmVersion&) = default;
  friend bool operator==(const VllmVersion&, const VllmVersion&) = default;
};

// Accepts what the tools print: "0.19.0", "v0.10.1.1" (a fourth component is ignored), "0.8.5.post1",
// "0.11.0rc1", "0.9" (= 0.9.0). InvalidArgument otherwise. Says nothing about whether tpsim models the
// release (ParseSupportedVllmVersion in release_table.h does).
StatusOr<VllmVersion> ParseVllmVersion(const std::string& text);
std::string ToString(const VllmVersion& v);  // "0.19.0"

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_VLLM_VERSION_H_
