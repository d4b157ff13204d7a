#include "sim/engine/release_table.h"

#include "topology/json_util.h"

namespace tpsim {

namespace {

struct EraName {
  VllmEra era;
  std::string_view name;
};

// The era names, the only place they are written.
constexpr EraName kEraNames[] = {
    {VllmEra::kV0, "V0 (0.6.5-0.10)"},         {VllmEra::kV1_0_8, "V1 (0.8-0.9.0)"},
    {VllmEra::kV1_0_9_1, "V1 (0.9.1-0.10)"},   {VllmEra::kV1_0_11, "V1 (0.11-0.17)"},
    {VllmEra::kV1_0_18, "V1 (0.18-0.19)"},     {VllmEra::kV1_0_20, "V1 (0.20+)"},
};

// The modelled range ends before 1.0; the message below names it.
constexpr VllmVersion kEndOfModelled{1, 0, 0};
constexpr const char* kModelledRangeText = " to 0.x";

using E = VllmEra;

// Each row holds from its release to the next row's. Columns: first, era, era below sm_80, cuMem left to
// NCCL, symmetric memory exists, symm-mem on by default, FlashInfer fusion, torch.distributed logits
// communicator, unexplained sm_90 non-torch note, where the rules were read. Commits are upstream
// vllm-project/vllm ("main@" = main on the release day, research/vllm_memory_mechanism.md §0).
const std::vector<ReleaseRow> kReleaseRows = {
    // memory_profiling's three terms (PR #10511); vLLM forces NCCL_CUMEM_ENABLE=0 (PR #5091).
    {{0, 6, 5}, E::kV0, E::kV0, false, false, false, false, true, false,
     "main@2024-12-17 2d1b9baa8f57 (≈v0.6.5); PR #10511, PR #12126 (≈v0.7.0 6116ca8cd79b)"},
    // V1 default (VLLM_USE_V1=1); the oracle falls back to V0 below compute capability 8.0.
    {{0, 8, 0}, E::kV1_0_8, E::kV0, false, false, false, false, true, false,
     "main@2025-03-18 228b768db6de (≈v0.8.0); ≈v0.8.5 cfe45320931b, ≈v0.9.0 c7852a6d9bc0"},
    // Three terms in V1, snapshot before NCCL init (PRs #18974, #19312).
    {{0, 9, 1}, E::kV1_0_9_1, E::kV0, false, false, false, false, true, false,
     "main@2025-06-10 77f0d465d0a6 (≈v0.9.1); ≈v0.10.0 fe56180c7f90"},
    // cuMem left to NCCL (PR #24141); SymmMemCommunicator added (PR #20759), off by default (PR #24696).
    {{0, 10, 2}, E::kV1_0_9_1, E::kV0, true, true, false, false, true, false,
     "main@2025-09-13 973c9d01da86 (≈v0.10.2)"},
    // V0 deleted (PR #25321); snapshot after NCCL init (PR #25359); symm-mem on by default (PR #25070).
    {{0, 11, 0}, E::kV1_0_11, E::kV1_0_11, true, true, true, false, true, false,
     "main@2025-10-02 f1fc2107a314 (≈v0.11.0)"},
    // Symm-mem off again (PR #26925, 2025-10-15).
    {{0, 11, 1}, E::kV1_0_11, E::kV1_0_11, true, true, false, false, true, false, "PR #26925"},
    // Symm-mem on again by v0.19.0; the re-enabling release is not pinned: 0.12.0 assumed.
    {{0, 12, 0}, E::kV1_0_11, E::kV1_0_11, true, true, true, false, true, false,
     "assumed (re-enabling PR not found)"},
    // CUDA-graph memory estimate measured, subtracted only with the env var (PR #30515).
    {{0, 18, 0}, E::kV1_0_18, E::kV1_0_18, true, true, true, false, true, false, "PR #30515"},
    // FlashInfer all-reduce fusion on by default (logged workspace sizes, nccl_cuda_overheads.md §2.4).
    {{0, 19, 0}, E::kV1_0_18, E::kV1_0_18, true, true, true, true, true, true,
     "tag v0.19.0 2a69949bdadf"},
    // CUDA-graph estimate subtracted by default, u = 0.92 (PR #38284); the logits all-gather through
    // PyNccl (seen on main after v0.20; assumed from 0.20.0).
    {{0, 20, 0}, E::kV1_0_20, E::kV1_0_20, true, true, true, true, false, true,
     "main-2026-05 9aaf83ef502f; PR #38284"},
};

}  // namespace

std::string_view VllmEraName(VllmEra era) {
  for (const EraName& e : kEraNames) {
    if (e.era == era) return e.name;
  }
  return "?";
}

const std::vector<ReleaseRow>& ReleaseRows() { return kReleaseRows; }

VllmVersion EndOfModelledReleases() { return kEndOfModelled; }

bool IsModelledRelease(const VllmVersion& v) {
  return v >= kReleaseRows.front().first && v < kEndOfModelled;
}

StatusOr<VllmVersion> ParseSupportedVllmVersion(const std::string& text) {
  StatusOr<VllmVersion> v = ParseVllmVersion(text);
  if (!v.ok()) {
    return Status::InvalidArgument("invalid --vllm-version '" + text + "' (expected X.Y.Z, e.g. 0.19.0)");
  }
  if (!IsModelledRelease(*v)) {
    return Status::InvalidArgument("unsupported --vllm-version " + ToString(*v) + " (tpsim models vLLM " +
                                   ToString(kReleaseRows.front().first) + kModelledRangeText + ")");
  }
  return v;
}

const ReleaseRow& ReleaseOf(const VllmVersion& v) {
  const ReleaseRow* found = &kReleaseRows.front();
  for (const ReleaseRow& row : kReleaseRows) {
    if (row.first <= v) found = &row;
  }
  return *found;
}

VllmEra EraOf(const VllmVersion& v, int compute_capability) {
  const ReleaseRow& row = ReleaseOf(v);
  return compute_capability < 80 ? row.era_below_sm80 : row.era;
}

std::vector<TorchNcclPin> DefaultTorchNcclPins() {
  // The vLLM -> torch pins are read off vLLM's requirements/cuda.txt history as remembered, not
  // re-read here; the torch -> NCCL pins carry their own sources. vLLM 0.19.0 is anchored by its logs.
  return {
      {{0, 4, 3},
       "2.3.0",
       {2, 20, 5},
       "torch 2.3 wheels depend on nvidia-nccl-cu12 2.20.5 (not re-verified)"},
      {{0, 5, 4},
       "2.4.0",
       {2, 20, 5},
       "torch 2.4 wheels depend on nvidia-nccl-cu12 2.20.5 (not re-verified)"},
      {{0, 6, 4},
       "2.5.1",
       {2, 21, 5},
       "torch 2.5 -> 2.21.5, the usual pin (nccl_cuda_overheads.md §0; not re-verified)"},
      {{0, 8, 0}, "2.6.0", {2, 21, 5}, "pytorch/pytorch#150049: the 2.6.0-cuda12.4 image ships NCCL 2.21.5"},
      {{0, 9, 0}, "2.7.0", {2, 26, 2}, "NVIDIA/nccl#1790: vLLM CI with torch 2.7 runs NCCL 2.26.2"},
      {{0, 10, 2}, "2.8.0", {2, 27, 3}, "pytorch/pytorch#157461: torch 2.8 reports NCCL 2.27.3"},
      {{0, 11, 1},
       "2.9/2.10",
       {2, 27, 5},
       "vLLM 0.19.0 start-up logs print nccl==2.27.5 (llm-d-planner accuracy/results/v0.19.0); torch 2.10 "
       "pins 2.27.5 for CUDA 12.x (pytorch/pytorch#190386)"},
  };
}

const TorchNcclPin& PinFor(const std::vector<TorchNcclPin>& pins, const VllmVersion& v) {
  const TorchNcclPin* found = &pins.front();
  for (const TorchNcclPin& pin : pins) {
    if (pin.first <= v) found = &pin;
  }
  return *found;
}

StatusOr<std::vector<TorchNcclPin>> ParseTorchNcclPins(const nlohmann::json& j, const std::string& what) {
  namespace ju = json_util;
  auto t = j.find("nccl_by_vllm");
  if (t == j.end()) return DefaultTorchNcclPins();
  if (!t->is_array() || t->empty()) {
    return Status::InvalidArgument(what + ": 'nccl_by_vllm' must be a non-empty list");
  }
  std::vector<TorchNcclPin> pins;
  for (const auto& row : *t) {
    if (!row.is_object()) return Status::InvalidArgument(what + ": nccl_by_vllm rows are objects");
    TPSIM_ASSIGN_OR_RETURN(std::string v, ju::RequireString(row, "vllm", what));
    TPSIM_ASSIGN_OR_RETURN(std::string n, ju::RequireString(row, "nccl", what));
    TorchNcclPin pin;
    TPSIM_ASSIGN_OR_RETURN(pin.first, ParseVllmVersion(v));
    TPSIM_ASSIGN_OR_RETURN(pin.nccl, ParseNcclVersion(n));
    TPSIM_ASSIGN_OR_RETURN(pin.torch, ju::GetString(row, "torch", "", what));
    TPSIM_ASSIGN_OR_RETURN(pin.source, ju::GetString(row, "source", "", what));
    if (!pins.empty() && !(pins.back().first < pin.first)) {
      return Status::InvalidArgument(what + ": nccl_by_vllm must be sorted by vllm version");
    }
    pins.push_back(pin);
  }
  return pins;
}

CommFeatures CommFeaturesFor(const VllmVersion& v, const GpuSpec& gpu,
                             const std::vector<TorchNcclPin>& pins) {
  const ReleaseRow& row = ReleaseOf(v);
  const VllmEra era = EraOf(v, gpu.compute_capability());
  const TorchNcclPin& pin = PinFor(pins, v);
  CommFeatures f;
  f.vllm_release = ToString(v);
  f.v0_engine = era == VllmEra::kV0;
  f.nccl_cumem_default = row.nccl_cumem_default;
  f.symm_mem_available = row.symm_mem_available;
  f.symm_mem_default = row.symm_mem_default;
  f.flashinfer_allreduce_fusion = row.flashinfer_allreduce_fusion;
  f.torch_comm_for_logits_gather = row.torch_comm_for_logits_gather;
  // The init snapshot precedes distributed init in every era before 0.11 (PR #25359).
  f.dist_init_in_non_torch_increase = era == VllmEra::kV0 || era == VllmEra::kV1_0_8 ||
                                      era == VllmEra::kV1_0_9_1;
  f.unexplained_tp_non_torch_on_sm90 = row.unexplained_tp_non_torch_on_sm90;
  f.nccl = pin.nccl;
  f.torch = pin.torch;
  return f;
}

}  // namespace tpsim
