// The release table: which vLLM releases tpsim models, the accounting era each one belongs to, where its
// rules were read, the torch/NCCL it runs with and what it does with its communicators (DESIGN §5, §6b;
// research/vllm_memory_mechanism.md §1.4, research/vllm_releases.md). With the era policies
// (vllm_policy.h) it is the only code that compares vLLM versions; era names are written here once.
//
// Adding a release whose rules are those of the row before it changes nothing; a release where a rule
// changes is one more row (kReleaseRows in release_table.cc); a new accounting era is one more VllmEra,
// its name in kEraNames and one policy class.
#ifndef TPSIM_SIM_ENGINE_RELEASE_TABLE_H_
#define TPSIM_SIM_ENGINE_RELEASE_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/status_or.h"
#include "sim/engine/vllm_version.h"
#include "topology/comm_features.h"
#include "topology/gpu_spec.h"
#include "topology/versions.h"

namespace tpsim {

// The accounting eras, each a policy of its own (vllm_policy.h).
enum class VllmEra {
  kV0,          // 0.6.5 - 0.10.x with the V0 engine (also a V1-era release on compute capability < 8.0)
  kV1_0_8,      // 0.8.0 - 0.9.0: peak includes weights, baseline includes other processes
  kV1_0_9_1,    // 0.9.1 - 0.10.x: requested - (weights + peak + non-torch), snapshot before NCCL
  kV1_0_11,     // 0.11 - 0.17: snapshot after NCCL
  kV1_0_18,     // 0.18 - 0.19: CUDA-graph estimate logged, subtracted only with the env var
  kV1_0_20,     // 0.20+: CUDA-graph estimate subtracted, default utilization 0.92
};

// "V1 (0.11-0.17)": what reports print as the era and the policy name.
std::string_view VllmEraName(VllmEra era);

// One row: the rules that hold from release `first` up to the next row's `first` (the last row: up to
// EndOfModelledReleases()).
struct ReleaseRow {
  VllmVersion first;
  VllmEra era;             // on compute capability >= 8.0
  VllmEra era_below_sm80;  // where V1's _is_v1_supported_oracle falls back to V0 (cc < 8.0)
  // Communication behaviour (topology/comm_features.h says what each means).
  bool nccl_cumem_default;
  bool symm_mem_available;
  bool symm_mem_default;
  bool flashinfer_allreduce_fusion;
  bool torch_comm_for_logits_gather;
  bool unexplained_tp_non_torch_on_sm90;
  // The vLLM commit, tag or PR the row's rules were read from.
  std::string_view rules_read_at;
};

// Every row, ascending by `first`; the first row starts the modelled range.
const std::vector<ReleaseRow>& ReleaseRows();
// The first release past the modelled range.
VllmVersion EndOfModelledReleases();
bool IsModelledRelease(const VllmVersion& v);

// ParseVllmVersion, then checks that tpsim models the release. InvalidArgument otherwise, naming
// --vllm-version.
StatusOr<VllmVersion> ParseSupportedVllmVersion(const std::string& text);

// The row holding v. REQUIRES: IsModelledRelease(v).
const ReleaseRow& ReleaseOf(const VllmVersion& v);
// The era of release v on a card of this compute capability (major x 10 + minor). REQUIRES: as above.
VllmEra EraOf(const VllmVersion& v, int compute_capability);

// The torch that a release pins and the NCCL wheel that torch pulls in, from release `first` on.
struct TorchNcclPin {
  VllmVersion first;
  std::string torch;
  NcclVersion nccl;
  std::string source;
  friend bool operator==(const TorchNcclPin&, const TorchNcclPin&) = default;
};
// The pins configs/nccl.json ships ("nccl_by_vllm"), ascending by `first`.
std::vector<TorchNcclPin> DefaultTorchNcclPins();
// The pin for v: the last whose `first` <= v, else the first one. REQUIRES: pins not empty.
const TorchNcclPin& PinFor(const std::vector<TorchNcclPin>& pins, const VllmVersion& v);
// The "nccl_by_vllm" list of an already parsed configs/nccl.json; the defaults when the key is absent.
// InvalidArgument (naming `what`) for an empty or unsorted list or a row without "vllm"/"nccl".
StatusOr<std::vector<TorchNcclPin>> ParseTorchNcclPins(const nlohmann::json& nccl_json,
                                                       const std::string& what);

// What release v does with its communicators on this card, with the NCCL of its pin.
// REQUIRES: IsModelledRelease(v), pins not empty.
CommFeatures CommFeaturesFor(const VllmVersion& v, const GpuSpec& gpu,
                             const std::vector<TorchNcclPin>& pins);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_RELEASE_TABLE_H_
