#include "sim/engine/vllm_version.h"

#include <vector>

#include "topology/versions.h"

namespace tpsim {

StatusOr<VllmVersion> ParseVllmVersion(const std::string& text) {
  std::vector<int> n;
  if (!ReadVersionNumbers(text, 3, 2, &n)) {
    return Status::InvalidArgument("invalid vLLM version '" + text + "' (expected X.Y.Z, e.g. 0.19.0)");
  }
  VllmVersion v;
  v.major = n[0];
  v.minor = n[1];
  v.patch = n.size() > 2 ? n[2] : 0;
  return v;
}

std::string ToString(const VllmVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

}  // namespace tpsim
