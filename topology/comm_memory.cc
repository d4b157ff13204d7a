#include "topology/comm_memory.h"

#include <algorithm>

namespace tpsim {

namespace {

constexpr Bytes kGranule = 2 * kMiB;          // cuMem minimum granularity; CUDA_IPC_MIN
constexpr Bytes kP2pRecvWrite = 10 * kMiB;    // 4 KiB + LL + LL128 + Simple -> 2 MiB multiple (§1.2)
constexpr Bytes kP2pSendWrite = 2 * kMiB;     // 4 KiB header -> 2 MiB
constexpr Bytes kP2pRead = 6 * kMiB;          // A100<->A100 NVLink read mode, each side
constexpr int kNcclSharedSteps = 16;          // NCCL_SHARED_STEPS
constexpr Bytes kCustomArMaxSize = 8 * kMiB;  // CustomAllreduce max_size
constexpr Bytes kCustomArSignal = 2560;       // sizeof(Signal)

}  // namespace

Bytes CommMemoryPlan::total(CommPhase phase) const {
  Bytes t = 0;
  for (const CommAllocation& a : allocations) {
    if (a.phase == phase) t += a.bytes;
  }
  return t;
}

Bytes CommMemoryPlan::total() const {
  return total(CommPhase::kDistributedInit) + total(CommPhase::kFirstCollective);
}

StatusOr<CommMemoryPlan> PlanCommMemory(const CommQuery& q) {
  CommMemoryPlan p;
  if (q.tp <= 1) return p;
  if (q.gpu == nullptr || q.topology == nullptr) return Status::Internal("CommQuery without gpu/topology");
  std::vector<int> gpus = q.gpu_of_rank;
  if (gpus.empty()) {
    for (int r = 0; r < q.tp; ++r) gpus.push_back(r);
  }
  if (static_cast<int>(gpus.size()) != q.tp) return Status::InvalidArgument("gpu_of_rank size != tp");
  for (int g : gpus) {
    if (g < 0 || g >= q.topology->num_gpus) {
      return Status::InvalidArgument("rank placed on GPU " + std::to_string(g) + " outside the topology");
    }
  }
  const GpuSpec& gpu = *q.gpu;
  const Topology& topo = *q.topology;
  // NCCL shipped with torch by vLLM release (nccl note §0): torch 2.5/2.6 -> 2.21.5, torch 2.7 ->
  // 2.26.2, torch 2.8+ -> 2.27.x.
  if (!q.nccl_version.empty()) {
    p.nccl_version = q.nccl_version;
  } else if (q.vllm < VllmVersion{0, 9, 0}) {
    p.nccl_version = "2.21.5";
  } else if (q.vllm < VllmVersion{0, 10, 2}) {
    p.nccl_version = "2.26.2";
  } else {
    p.nccl_version = "2.27.5";
  }
  const int nccl_minor = std::stoi(p.nccl_version.substr(2, p.nccl_version.find('.', 2) - 2));
  // vLLM forced NCCL_CUMEM_ENABLE=0 until PR #24141 (v0.10.2); GeForce may use cuMem from NCCL 2.24.
  p.cumem = q.nccl_cumem.value_or(q.vllm >= VllmVersion{0, 10, 2} &&
                                  (gpu.datacenter || nccl_minor >= 24));
  p.lazy_connect = p.cumem && nccl_minor >= 22;

  // Transport and channels (nccl note §1.3).
  const int me = gpus[q.rank];
  const int next = gpus[(q.rank + 1) % q.tp];
  bool all_same_host = true, all_p2p = true, local_peers = false, local_p2p = true;
  for (int g : gpus) {
    const bool same = topo.same_host(me, g);
    all_same_host = all_same_host && same;
    all_p2p = all_p2p && topo.p2p_possible(me, g, gpu);
    if (same && g != me) {
      local_peers = true;
      local_p2p = local_p2p && topo.p2p_possible(me, g, gpu);
    }
  }
  const bool nvswitch = topo.link[me][next] == LinkKind::kNvswitch;
  const bool nvlink = topo.link[me][next] == LinkKind::kNvlink;
  const std::string local = local_peers ? (local_p2p ? "P2P" : "SHM") : "";
  if (all_same_host) {
    p.transport = local;
  } else {
    p.transport = local.empty() ? "NET" : local + "+NET";
  }
  if (nvswitch) {
    p.coll_channels = 24;
    p.p2p_channels = 32;
  } else if (nvlink) {
    p.coll_channels = 4;
    p.p2p_channels = 4;
  } else {
    p.coll_channels = gpu.pcie_gen >= 5 ? 4 : 2;
    p.p2p_channels = p.coll_channels;
  }
  const Bytes chunk = (nvswitch || nvlink) ? 512 * kKiB : 128 * kKiB;
  const bool read_mode = gpu.cc_major == 8 && gpu.cc_minor == 0 && (nvswitch || nvlink);
  const bool ring_on_gpu = topo.p2p_possible(me, next, gpu);
  const Bytes r_recv = read_mode ? kP2pRead : kP2pRecvWrite;
  const Bytes r_send = read_mode ? kP2pRead : kP2pSendWrite;
  const int c = p.coll_channels;

  if (p.cumem) {
    const Bytes structs = (2 + 3 * std::max(p.coll_channels, p.p2p_channels)) * kGranule;
    p.allocations.push_back({"NCCL communicator structures (cuMem, 2 MiB each)", structs, false,
                             CommPhase::kDistributedInit, "nccl note §1.5"});
  } else {
    p.notes.push_back("NCCL structures packed by cudaMalloc (< 1 MiB), not modelled");
  }
  // Ring: built at init in eager mode, at the pynccl warm-up all-reduce in lazy mode; both inside
  // distributed init.
  if (ring_on_gpu) {
    p.allocations.push_back({"NCCL ring buffers (" + std::to_string(c) + " channels)",
                             c * (r_recv + r_send), false, CommPhase::kDistributedInit,
                             "nccl note §1.2, §1.4"});
  } else {
    p.notes.push_back("ring/tree FIFOs live in host shared memory (SHM transport): 0 device bytes");
  }
  if (!p.lazy_connect) {
    // Tree: extra connections for tp >= 3 (chain head +1 recv, middle +1 recv +1 send, tail +1 send).
    if (q.tp >= 3 && ring_on_gpu) {
      const bool head = q.rank == 0, tail = q.rank == q.tp - 1;
      const Bytes extra = c * (head ? r_recv : tail ? r_send : r_recv + r_send);
      if (extra > 0) {
        p.allocations.push_back({"NCCL tree buffers (rank-dependent)", extra, false,
                                 CommPhase::kDistributedInit, "nccl note §1.4"});
      }
    }
    p.allocations.push_back({"NCCL NET shared buffer",
                             RoundUp(p.p2p_channels * kNcclSharedSteps * chunk, kGranule), false,
                             CommPhase::kDistributedInit, "nccl note §1.4"});
  }

  // vLLM custom all-reduce (vllm note §7).
  const bool ws_ok = q.tp == 2 || q.tp == 4 || q.tp == 6 || q.tp == 8;
  if (q.disable_custom_all_reduce) {
    p.custom_all_reduce_reason = "custom all-reduce disabled by --disable-custom-all-reduce";
  } else if (!all_same_host) {
    p.custom_all_reduce_reason =
        "Custom allreduce is disabled because this process group spans across nodes.";
  } else if (!ws_ok) {
    p.custom_all_reduce_reason = "Custom allreduce is disabled due to an unsupported world size: " +
                                 std::to_string(q.tp) + ". Supported world sizes: [2, 4, 6, 8].";
  } else if (q.tp > 2 && !topo.fully_nvlink(gpus)) {
    p.custom_all_reduce_reason =
        "Custom allreduce is disabled because it's not supported on more than two PCIe-only GPUs. "
        "To silence this warning, specify disable_custom_all_reduce=True explicitly.";
  } else if (!all_p2p) {
    p.custom_all_reduce_reason =
        "Custom allreduce is disabled because your platform lacks GPU P2P capability or P2P test "
        "failed. To silence this warning, specify disable_custom_all_reduce=True explicitly.";
  } else {
    p.custom_all_reduce = true;
    p.allocations.push_back({"custom all-reduce meta (Signal + max_size, uncached)",
                             RoundUp(kCustomArSignal + kCustomArMaxSize, kGranule), false,
                             CommPhase::kDistributedInit, "custom_all_reduce.py"});
    p.allocations.push_back({"custom all-reduce IPC buffer", kCustomArMaxSize, false,
                             CommPhase::kDistributedInit, "custom_all_reduce.py"});
    p.allocations.push_back({"custom all-reduce rank_data (torch)", kCustomArMaxSize, true,
                             CommPhase::kDistributedInit, "custom_all_reduce.py"});
  }
  // Symmetric-memory all-reduce (VLLM_ALLREDUCE_USE_SYMM_MEM, default on in 0.19): sm_90/sm_100.
  const int cc = gpu.compute_capability();
  if (q.vllm >= VllmVersion{0, 19, 0} && all_same_host && (cc == 90 || cc == 100 || cc == 103) &&
      ws_ok) {
    p.symm_mem = true;
    const Bytes size = q.tp == 4 ? 32 * kMiB : 64 * kMiB;
    p.allocations.push_back({"symmetric-memory all-reduce buffer + signal pad", size + kGranule, false,
                             CommPhase::kDistributedInit, "all_reduce_utils.py SYMM_MEM_ALL_REDUCE_MAX_SIZES"});
  }
  return p;
}

ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, VllmVersion v) {
  ContextMemory m;
  m.at_init = gpu.cuda_context_bytes;
  // Lazily loaded kernels at the first forward: vLLM 0.19 on H100 logs 0.24-0.26 GiB of non-torch
  // increase at tp 1 for 7-24B models (nccl note §2.1); V0 eager logs on 24 GB cards 0.18-0.20 GiB
  // (calibration C028, C030 worker ranks). Taken as 0.25 GiB for V1 (compiled) and 0.19 GiB for eager V0.
  m.first_forward_growth = v >= VllmVersion{0, 8, 0} ? GiBToBytes(0.25) : GiBToBytes(0.19);
  m.notes.push_back("NCCL device code size per architecture is not measured (nccl note §2.3); 0");
  return m;
}

}  // namespace tpsim
