// Version numbers of the two pieces of software whose behaviour the communication model follows:
// vLLM (VllmVersion, default v0.19.0) and NCCL (NcclVersion). Both compare component-wise with <=>.
// Parsers accept what the tools print: "0.19.0", "v0.10.1.1" (a fourth component is ignored),
// "0.8.5.post1", "0.11.0rc1"; "2.27.5", "2.27.5-1", "2.28.9+cuda13.0".
#ifndef TPSIM_TOPOLOGY_VERSIONS_H_
#define TPSIM_TOPOLOGY_VERSIONS_H_

#include <compare>
#include <string>

#include "sim/base/status_or.h"

namespace tpsim {

struct VllmVersion {
  int major = 0, minor = 19, patch = 0;
  friend auto operator<=>(const VllmVersion&, const VllmVersion&) = default;
  friend bool operator==(const VllmVersion&, const VllmVersion&) = default;
};

struct NcclVersion {
  int major = 0, minor = 0, patch = 0;
  friend auto operator<=>(const NcclVersion&, const NcclVersion&) = default;
  friend bool operator==(const NcclVersion&, const NcclVersion&) = default;
};

StatusOr<VllmVersion> ParseVllmVersion(const std::string& text);
StatusOr<NcclVersion> ParseNcclVersion(const std::string& text);
std::string ToString(const VllmVersion& v);  // "0.19.0"
std::string ToString(const NcclVersion& v);  // "2.27.5"

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_VERSIONS_H_
