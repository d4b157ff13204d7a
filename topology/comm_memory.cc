#include "topology/comm_memory.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "topology/nccl_model.h"

namespace tpsim {

namespace {

// ---- vLLM constants (vllm_memory_mechanism.md §7; nccl_cuda_overheads.md §2.4) -------------------

// custom_all_reduce.py CustomAllreduce._SUPPORTED_WORLD_SIZES.
constexpr int kCustomArWorldSizes[] = {2, 4, 6, 8};
// custom_all_reduce.py CustomAllreduce.__init__(max_size=8192 * 1024).
constexpr Bytes kCustomArDefaultMaxSize = 8 * kMiB;
// ops.meta_size() = sizeof(vllm::Signal) (csrc/custom_all_reduce.cuh), bytes.
constexpr Bytes kCustomArSignalBytes = 2560;
// rank_data = torch.empty(8 * 1024 * 1024, dtype=torch.uint8): pointer tuples for graph buffers.
constexpr Bytes kCustomArRankDataBytes = 8 * kMiB;
// The driver backs cudaMalloc'ed device memory with 2 MiB pages (assumed: the same granule as cuMem's
// minimum granularity on these GPUs); meta and the IPC buffer are counted in whole pages.
constexpr Bytes kDevicePage = 2 * kMiB;
// torch symmetric memory appends a signal pad to each block and maps 2 MiB granules
// (PyTorch CUDASymmetricMemoryAllocator::alloc; pad size assumed 2048 B).
constexpr Bytes kSymmMemSignalPadBytes = 2048;

using SizeTable = std::map<int, std::map<int, Bytes>>;  // compute capability -> world size -> bytes
// all_reduce_utils.py CUSTOM_ALL_REDUCE_MAX_SIZES (applied only when symm-mem is enabled, as
// min(table, max_size)).
const SizeTable& CustomArMaxSizesWithSymmMem() {
  static const SizeTable t = {{90, {{2, 64 * kMiB}, {4, 32 * kMiB}, {6, kMiB / 2}, {8, kMiB / 4}}},
                              {100, {{2, 2 * kMiB}, {4, 2 * kMiB}, {6, 1 * kMiB}, {8, 1 * kMiB}}}};
  return t;
}
// all_reduce_utils.py SYMM_MEM_ALL_REDUCE_MAX_SIZES ("9.0", "10.0"; later versions add "10.3").
const SizeTable& SymmMemMaxSizes() {
  static const SizeTable t = {{90, {{2, 64 * kMiB}, {4, 32 * kMiB}, {6, 64 * kMiB}, {8, 64 * kMiB}}},
                              {100, {{2, 8 * kMiB}, {4, 32 * kMiB}, {6, 128 * kMiB}, {8, 128 * kMiB}}}};
  return t;
}
// vllm/config/compilation.py PassConfig FI_ALLREDUCE_FUSION_MAX_SIZE_MB (PR #24248), MiB.
const SizeTable& FiFusionMaxSizes() {
  static const SizeTable t = {{90, {{2, 64 * kMiB}, {4, 2 * kMiB}, {8, 1 * kMiB}}},
                              {100, {{2, 64 * kMiB}, {4, 32 * kMiB}, {8, 1 * kMiB}}}};
  return t;
}

Bytes LookUp(const SizeTable& t, int cc, int ws) {
  auto it = t.find(cc);
  if (it == t.end()) return 0;
  auto jt = it->second.find(ws);
  return jt == it->second.end() ? 0 : jt->second;
}

CommPhase PhaseOfPynccl(NcclStage s) {
  // Creation and the warm-up all-reduce (PyNcclCommunicator.__init__) are inside
  // init_worker_distributed_environment; anything later waits for the profile run.
  return (s == NcclStage::kCreation || s == NcclStage::kFirstRingCollective) ? CommPhase::kDistributedInit
                                                                             : CommPhase::kFirstCollective;
}

struct Resolved {
  const GpuSpec* gpu;
  const Topology* topo;
  std::vector<int> gpus;
  NcclVersion nccl;
  std::string nccl_origin;
  bool cumem_requested;
};

StatusOr<Resolved> Resolve(const CommQuery& q, const CommConstants& c) {
  if (q.gpu == nullptr || q.topology == nullptr) {
    return Status::InvalidArgument("communication query without a GPU spec or topology");
  }
  if (q.tp < 1)
    return Status::InvalidArgument("tensor_parallel_size must be >= 1, got " + std::to_string(q.tp));
  if (q.tp > q.topology->num_gpus) {
    return Status::InvalidArgument("tensor_parallel_size " + std::to_string(q.tp) +
                                   " needs more GPUs than the " + std::to_string(q.topology->num_gpus) +
                                   " of topology '" + q.topology->name + "'");
  }
  if (q.rank < 0 || q.rank >= q.tp) {
    return Status::InvalidArgument("rank " + std::to_string(q.rank) + " outside tensor_parallel_size " +
                                   std::to_string(q.tp));
  }
  Resolved r{q.gpu, q.topology, q.gpu_of_rank, {}, "", true};
  if (r.gpus.empty()) {
    for (int i = 0; i < q.tp; ++i) r.gpus.push_back(i);
  }
  if (static_cast<int>(r.gpus.size()) != q.tp) {
    return Status::InvalidArgument("gpu_of_rank lists " + std::to_string(r.gpus.size()) + " GPUs for " +
                                   std::to_string(q.tp) + " ranks");
  }
  std::set<int> seen;
  for (int gi : r.gpus) {
    if (gi < 0 || gi >= q.topology->num_gpus || !seen.insert(gi).second) {
      return Status::InvalidArgument("gpu_of_rank entry " + std::to_string(gi) +
                                     " is out of range or repeated");
    }
  }
  if (q.nccl_version.empty()) {
    if (q.features.nccl.major == 0) {
      return Status::InvalidArgument("communication query without an NCCL version (no release features)");
    }
    r.nccl = q.features.nccl;
    r.nccl_origin =
        "the NCCL of torch " + q.features.torch + " that vLLM " + q.features.vllm_release + " pins";
  } else {
    TPSIM_ASSIGN_OR_RETURN(r.nccl, ParseNcclVersion(q.nccl_version));
    r.nccl_origin = "given";
  }
  r.cumem_requested = q.nccl_cumem.has_value() ? *q.nccl_cumem : q.features.nccl_cumem_default;
  return r;
}

// Decides custom all-reduce for the whole group; returns the warning vLLM prints when it is off.
bool CustomArOn(const CommQuery& q, const Resolved& r, std::string* reason) {
  const Topology& t = *r.topo;
  if (q.disable_custom_all_reduce) {
    *reason = "disabled by --disable-custom-all-reduce (vLLM logs nothing)";
    return false;
  }
  if (!AllPairs(r.gpus, [&](int a, int b) { return t.same_host(a, b); })) {
    *reason = "Custom allreduce is disabled because this process group spans across nodes.";
    return false;
  }
  if (std::find(std::begin(kCustomArWorldSizes), std::end(kCustomArWorldSizes), q.tp) ==
      std::end(kCustomArWorldSizes)) {
    *reason = "Custom allreduce is disabled due to an unsupported world size: " + std::to_string(q.tp) +
              ". Supported world sizes: [2, 4, 6, 8]. To silence this warning, specify "
              "disable_custom_all_reduce=True explicitly.";
    return false;
  }
  // vLLM asks NVML whether every pair is NVLink-connected (is_fully_connected), then tests P2P.
  if (q.tp > 2 && !AllPairs(r.gpus, [&](int a, int b) { return IsNvlinkKind(t.link[a][b]); })) {
    *reason =
        "Custom allreduce is disabled because it's not supported on more than two PCIe-only GPUs. "
        "To silence this warning, specify disable_custom_all_reduce=True explicitly.";
    return false;
  }
  if (!AllPairs(r.gpus, [&](int a, int b) { return t.p2p_possible(a, b, *r.gpu); })) {
    *reason =
        "Custom allreduce is disabled because your platform lacks GPU P2P capability or P2P test "
        "failed. To silence this warning, specify disable_custom_all_reduce=True explicitly.";
    return false;
  }
  return true;
}

struct SymmMem {
  bool created = false;  // the buffer exists
  bool enabled = false;  // used for all-reduces
  Bytes max_size = 0;
  std::string reason;
};

SymmMem DecideSymmMem(const CommQuery& q, const Resolved& r) {
  SymmMem s;
  const int cc = r.gpu->compute_capability();
  const CommFeatures& f = q.features;
  const bool wanted = q.symm_mem.has_value() ? *q.symm_mem : (f.symm_mem_available && f.symm_mem_default);
  if (!f.symm_mem_available) {
    s.reason = "vLLM " + f.vllm_release + " has no symmetric-memory all-reduce";
    return s;
  }
  if (!wanted) {
    s.reason = "VLLM_ALLREDUCE_USE_SYMM_MEM is off (the default of vLLM " + f.vllm_release + ")";
    return s;
  }
  const SizeTable& table = SymmMemMaxSizes();
  char ccs[16];
  std::snprintf(ccs, sizeof(ccs), "%d.%d", r.gpu->cc_major, r.gpu->cc_minor);
  if (!table.count(cc)) {
    s.reason = std::string("SymmMemCommunicator: Device capability ") + ccs +
               " not supported, communicator is not available.";
    return s;
  }
  s.max_size = LookUp(table, cc, q.tp);
  if (s.max_size == 0) {
    s.reason = "SymmMemCommunicator: World size " + std::to_string(q.tp) +
               " not supported, communicator is not available.";
    return s;
  }
  const Topology& t = *r.topo;
  if (!AllPairs(r.gpus, [&](int a, int b) { return t.same_host(a, b); })) {
    s.reason = "symmetric memory across hosts is not modelled (treated as unavailable)";
    s.max_size = 0;
    return s;
  }
  s.created = true;  // kept even when the multicast check below disables the communicator
  // Multicast needs NVSwitch; the buffer was allocated and rendezvoused before this check.
  if (!AllPairs(r.gpus, [&](int a, int b) { return t.link[a][b] == LinkKind::kNvswitch; })) {
    s.reason = "SymmMemCommunicator: symmetric memory multicast operations are not supported.";
    return s;
  }
  s.enabled = true;
  return s;
}

StatusOr<std::vector<CommMemoryPlan>> PlanAll(const CommQuery& q) {
  static const CommConstants kDefaults;
  const CommConstants& c = q.constants != nullptr ? *q.constants : kDefaults;
  TPSIM_ASSIGN_OR_RETURN(Resolved r, Resolve(q, c));
  const GpuSpec& gpu = *r.gpu;
  const int cc = gpu.compute_capability();
  std::vector<CommMemoryPlan> plans(q.tp);
  if (q.tp == 1) {
    plans[0].notes.push_back("tensor_parallel_size 1: no communicator, no all-reduce buffers");
    return plans;
  }
  const bool v0 = q.features.v0_engine;

  // vLLM-side all-reduce paths.
  std::string ca_reason;
  const bool ca = CustomArOn(q, r, &ca_reason);
  const SymmMem symm = DecideSymmMem(q, r);
  Bytes ca_max = kCustomArDefaultMaxSize;
  if (ca && symm.enabled && CustomArMaxSizesWithSymmMem().count(cc)) {
    ca_max = std::min(ca_max, LookUp(CustomArMaxSizesWithSymmMem(), cc, q.tp));
  }
  const bool one_host_p2p = AllPairs(r.gpus, [&](int a, int b) { return r.topo->p2p_possible(a, b, gpu); });
  const Bytes fi_max = LookUp(FiFusionMaxSizes(), cc, q.tp);
  const bool fi_on =
      q.features.flashinfer_allreduce_fusion && !q.enforce_eager && fi_max > 0 && one_host_p2p;

  // Does the profile run's all-reduce (T x H x bytes) reach PyNccl, where NCCL's tuner can pick NVLS?
  bool large_ar = true;
  std::string large_ar_note;
  if (q.hidden_size > 0 && q.max_num_batched_tokens > 0) {
    const Bytes ar = static_cast<Bytes>(q.max_num_batched_tokens) * q.hidden_size * q.activation_bytes;
    const bool by_ca = ca && ar < ca_max;
    const bool by_symm = symm.enabled && ar <= symm.max_size;
    large_ar = !by_ca && !by_symm;
    large_ar_note = "the profile run's all-reduce of " + FormatBytes(ar) +
                    (large_ar ? " goes to PyNccl"
                              : (by_ca ? " fits custom all-reduce" : " fits the symmetric-memory buffer"));
  } else {
    large_ar_note = "the profile run's all-reduce size is unknown (no hidden size): assumed to reach PyNccl";
  }

  // The PyNccl communicator of the TP group.
  NcclCommSpec spec;
  spec.gpu = r.gpu;
  spec.topology = r.topo;
  spec.gpus = r.gpus;
  spec.version = r.nccl;
  spec.cumem_requested = r.cumem_requested;
  spec.constants = &c;
  TPSIM_ASSIGN_OR_RETURN(NcclCommPlan pynccl, PlanNcclComm(spec, NcclUsage{true, large_ar, -1}));
  // torch.distributed's communicator of the TP device group (logits all-gather / V0 gather).
  const bool torch_comm = q.features.torch_comm_for_logits_gather;
  NcclCommPlan torchc;
  if (torch_comm) {
    NcclUsage usage{!v0, false, v0 ? 0 : -1};
    TPSIM_ASSIGN_OR_RETURN(torchc, PlanNcclComm(spec, usage));
  }

  // FlashInfer fusion workspace sizes (flashinfer/comm/trtllm_ar.py
  // trtllm_create_ipc_workspace_for_all_reduce_fusion: buffer tp*M*H*2, flags, lamport 3*tp*M*H*b).
  Bytes fi_buffer = 0, fi_flags = 0, fi_lamport = 0;
  int fi_tokens = 0;
  if (fi_on && q.hidden_size > 0) {
    fi_tokens = static_cast<int>(fi_max / (static_cast<Bytes>(q.hidden_size) * q.activation_bytes));
    if (q.max_num_batched_tokens > 0) fi_tokens = std::min(fi_tokens, q.max_num_batched_tokens);
    const Bytes per = static_cast<Bytes>(q.tp) * fi_tokens * q.hidden_size;
    fi_buffer = RoundUp(per * 2 + kSymmMemSignalPadBytes, kDevicePage);
    fi_flags = kDevicePage;
    fi_lamport = RoundUp(3 * per * q.activation_bytes + kSymmMemSignalPadBytes, kDevicePage);
  }

  for (int rank = 0; rank < q.tp; ++rank) {
    CommMemoryPlan& p = plans[rank];
    const NcclRankMemory& pm = pynccl.ranks[rank];
    p.nccl_version = ToString(r.nccl);
    p.cumem = pynccl.cumem;
    p.lazy_connect = pynccl.lazy_connect;
    p.transport = pm.transport;
    p.coll_channels = pynccl.coll_channels;
    p.p2p_channels = pynccl.p2p_channels;
    p.p2p_channels_per_peer = pynccl.p2p_channels_per_peer;
    p.p2p_read = pynccl.p2p_read;
    p.nvls = pynccl.nvls;
    p.tree_position = pm.tree_position;
    p.custom_all_reduce = ca;
    p.custom_all_reduce_reason = ca ? "" : ca_reason;
    p.symm_mem = symm.enabled;
    p.symm_mem_reason = symm.reason;

    p.notes.push_back(
        "NCCL " + p.nccl_version + " (" + r.nccl_origin + "); NCCL_CUMEM_ENABLE " +
        (q.nccl_cumem.has_value() ? "given" : (r.cumem_requested ? "left to NCCL" : "forced to 0 by vLLM")));
    for (const std::string& n : pynccl.notes) p.notes.push_back("pynccl[tp]: " + n);
    for (const NcclAllocation& a : pm.allocations) {
      std::string label = a.label;
      if (a.stage == NcclStage::kFirstRingCollective) label += " (PyNcclCommunicator's warm-up all-reduce)";
      p.allocations.push_back({label, a.bytes, false, PhaseOfPynccl(a.stage), a.source, "pynccl[tp]"});
    }
    p.notes.push_back(large_ar_note);
    if (torch_comm) {
      for (const NcclAllocation& a : torchc.ranks[rank].allocations) {
        std::string label = a.label;
        if (a.stage == NcclStage::kFirstRingCollective) label += " (the logits all-gather)";
        p.allocations.push_back(
            {label, a.bytes, false, CommPhase::kFirstCollective, a.source, "torch.distributed[tp]"});
      }
      p.notes.push_back(
          v0 ? "torch.distributed[tp]: V0 gathers the logits to rank 0 with torch.distributed.gather "
               "(send/recv): PyTorch creates its own NCCL communicator for the TP device group then"
             : "torch.distributed[tp]: the logits all-gather goes through DeviceCommunicatorBase.all_gather "
               "(all_gather_into_tensor on the TP device group): PyTorch creates its own NCCL "
               "communicator at that first call, in the profile run");
    } else {
      p.notes.push_back(
          "the logits all-gather uses PyNccl (assumed from vLLM 0.20): no torch.distributed communicator");
    }

    if (ca) {
      const Bytes meta = RoundUp(kCustomArSignalBytes + ca_max, kDevicePage);
      const Bytes buffer = RoundUp(ca_max, kDevicePage);
      const std::string src =
          "vllm/distributed/device_communicators/custom_all_reduce.py CustomAllreduce.__init__";
      p.allocations.push_back({"custom all-reduce meta (2560 B signal + " + FormatBytes(ca_max) +
                                   " scratch, uncached cudaMalloc)",
                               meta, false, CommPhase::kDistributedInit, src, "custom_all_reduce"});
      p.allocations.push_back({"custom all-reduce IPC buffer (" + FormatBytes(ca_max) + ", cudaMalloc)",
                               buffer, false, CommPhase::kDistributedInit, src, "custom_all_reduce"});
      p.allocations.push_back({"custom all-reduce rank_data (8 MiB torch tensor; opens a 20 MiB segment)",
                               kCustomArRankDataBytes, true, CommPhase::kDistributedInit, src,
                               "custom_all_reduce"});
      p.notes.push_back("custom all-reduce on: max_size " + FormatBytes(ca_max) +
                        (symm.enabled ? " (lowered by the symmetric-memory table)" : ""));
    } else {
      p.notes.push_back("custom all-reduce off: " + ca_reason);
    }
    if (symm.created) {
      const Bytes b = RoundUp(symm.max_size + kSymmMemSignalPadBytes, kDevicePage);
      p.allocations.push_back({"symmetric-memory all-reduce buffer (" + FormatBytes(symm.max_size) +
                                   " + signal pad, 2 MiB granules)",
                               b, false, CommPhase::kDistributedInit,
                               "vllm/distributed/device_communicators/symm_mem.py; all_reduce_utils.py "
                               "SYMM_MEM_ALL_REDUCE_MAX_SIZES",
                               "symm_mem"});
      p.notes.push_back(symm.enabled
                            ? "symmetric-memory all-reduce on (buffer " + FormatBytes(symm.max_size) + ")"
                            : "symmetric-memory buffer allocated but unused: " + symm.reason);
    } else {
      p.notes.push_back("symmetric-memory all-reduce off: " + symm.reason);
    }
    if (fi_on && q.hidden_size > 0) {
      const std::string src =
          "flashinfer/comm/trtllm_ar.py trtllm_create_ipc_workspace_for_all_reduce_fusion; "
          "vllm PassConfig FI_ALLREDUCE_FUSION_MAX_SIZE_MB";
      p.allocations.push_back({"FlashInfer all-reduce fusion buffer (" + std::to_string(q.tp) + " x " +
                                   std::to_string(fi_tokens) + " tokens x " + std::to_string(q.hidden_size) +
                                   " x 2 B)",
                               fi_buffer, false, CommPhase::kFirstCollective, src, "flashinfer"});
      p.allocations.push_back({"FlashInfer all-reduce fusion flags", fi_flags, false,
                               CommPhase::kFirstCollective, src, "flashinfer"});
      p.allocations.push_back({"FlashInfer all-reduce fusion Lamport buffers (3 x " + std::to_string(q.tp) +
                                   " x " + std::to_string(fi_tokens) + " x " + std::to_string(q.hidden_size) +
                                   " x " + std::to_string(q.activation_bytes) + " B)",
                               fi_lamport, false, CommPhase::kFirstCollective, src, "flashinfer"});
      p.notes.push_back("FlashInfer all-reduce + RMSNorm fusion: workspace for " + std::to_string(fi_tokens) +
                        " tokens, allocated while torch.compile builds the graph in the profile run");
    } else if (fi_on) {
      p.notes.push_back(
          "FlashInfer all-reduce + RMSNorm fusion is on for this card and version, but its workspace "
          "depends on the model's hidden size (not given): not counted");
    }
    if (cc >= 90 && q.features.unexplained_tp_non_torch_on_sm90) {
      p.notes.push_back(
          "vLLM 0.19 on H100 logs ~2.1 GiB of non-torch increase at TP >= 2 against 0.25 at TP 1 "
          "(calibration C038/C039); the terms above explain part of it, the rest is not identified "
          "(shared/README.md open question 1)");
    }
  }
  return plans;
}

}  // namespace

std::string_view CommPhaseName(CommPhase p) {
  return p == CommPhase::kDistributedInit ? "distributed_init" : "first_collective";
}

Bytes CommMemoryPlan::total(CommPhase phase) const {
  Bytes s = 0;
  for (const auto& a : allocations) s += a.phase == phase ? a.bytes : 0;
  return s;
}

Bytes CommMemoryPlan::total() const {
  return total(CommPhase::kDistributedInit) + total(CommPhase::kFirstCollective);
}

Bytes CommMemoryPlan::non_torch(CommPhase phase) const {
  Bytes s = 0;
  for (const auto& a : allocations) s += (a.phase == phase && !a.torch_allocated) ? a.bytes : 0;
  return s;
}

bool CountedInNonTorchIncrease(CommPhase phase, const CommFeatures& features) {
  return phase == CommPhase::kFirstCollective || features.dist_init_in_non_torch_increase;
}

StatusOr<std::vector<CommMemoryPlan>> PlanCommMemoryAllRanks(const CommQuery& q) {
  CommQuery copy = q;
  copy.rank = 0;
  return PlanAll(copy);
}

StatusOr<CommMemoryPlan> PlanCommMemory(const CommQuery& q) {
  TPSIM_ASSIGN_OR_RETURN(std::vector<CommMemoryPlan> all, PlanAll(q));
  return all[q.rank];
}

ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, const CommFeatures& features) {
  static const CommConstants kDefaults;
  return ModelContextMemory(gpu, tp, features, kDefaults);
}

ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, const CommFeatures& features,
                                 const CommConstants& c) {
  ContextMemory m;
  if (gpu.cuda_context_bytes > 0) {
    m.at_init = gpu.cuda_context_bytes;
    m.notes.push_back("CUDA context + torch init: " + FormatBytes(m.at_init) + " (gpus/" + gpu.key +
                      ".json)");
  } else {
    m.at_init = c.default_cuda_context_bytes;
    m.notes.push_back("CUDA context + torch init: " + FormatBytes(m.at_init) + " (not measured for " +
                      gpu.name + "; upper end of the 0.3-0.5 GiB range, nccl_cuda_overheads.md §2.1)");
  }
  m.first_forward_growth = c.first_forward_growth_bytes;
  m.notes.push_back("kernels loaded lazily in the first forward: " + FormatBytes(m.first_forward_growth) +
                    " (vLLM 0.19 on H100 at TP 1; used for every card and version" +
                    (features.v0_engine ? ", V0 compiles no Triton graphs and may load less" : "") + ")");
  if (tp > 1) {
    const int cc = gpu.compute_capability();
    int arch = 0;
    for (const auto& [sm, bytes] : c.nccl_device_code_bytes_by_sm) {
      if (sm / 10 == cc / 10 && sm <= cc) arch = sm;  // SASS runs within a major version
    }
    if (arch > 0) {
      m.nccl_code = c.nccl_device_code_bytes_by_sm.at(arch);
      m.notes.push_back(
          "NCCL device code for sm_" + std::to_string(arch) + ": " + FormatBytes(m.nccl_code) +
          " (ELF size in libnccl 2.28.9, an upper estimate), loaded at the first ncclCommInitRank");
    } else {
      m.notes.push_back("no NCCL SASS for sm_" + std::to_string(cc) +
                        " in the table: device code not counted");
    }
  }
  return m;
}

}  // namespace tpsim
