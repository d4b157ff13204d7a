// The version number of NCCL, whose behaviour the communication model follows, and the reader of
// dotted version numbers that vLLM's version (sim/engine/vllm_version.h) shares. Topology never sees a
// vLLM version: what a vLLM release does with its communicators reaches it as CommFeatures
// (topology/comm_features.h). NcclVersion compares component-wise with <=>; the parser accepts what
// the tools print: "2.27.5", "2.27.5-1", "2.28.9+cuda13.0".
#ifndef TPSIM_TOPOLOGY_VERSIONS_H_
#define TPSIM_TOPOLOGY_VERSIONS_H_

#include <compare>
#include <string>
#include <vector>

#include "sim/base/status_or.h"

namespace tpsim {

struct NcclVersion {
  int major = 0, minor = 0, patch = 0;
  friend auto operator<=>(const NcclVersion&, const NcclVersion&) = default;
  friend bool operator==(const NcclVersion&, const NcclVersion&) = default;
};

StatusOr<NcclVersion> ParseNcclVersion(const std::string& text);
std::string ToString(const NcclVersion& v);  // "2.27.5"

// Reads up to `want` dot-separated numbers from the front of `text` (after an optional 'v'); stops at
// the first character that is neither a digit nor a dot. False when fewer than `need` numbers were read
// or a number exceeds 100000; *out holds the numbers read.
bool ReadVersionNumbers(const std::string& text, int want, int need, std::vector<int>* out);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_VERSIONS_H_
