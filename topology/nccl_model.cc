#include "topology/nccl_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>
#include <utility>

namespace tpsim {

namespace {

// ---- Constants from NCCL's source (nccl_cuda_overheads.md §1.1-§1.6) -----------------------------

// ncclSendMem / ncclRecvMem header, bytes (src/include/comm.h, MEM_ALIGN).
constexpr Bytes kConnHeaderBytes = 4096;
// Every P2P-transport buffer is rounded up to CUDA_IPC_MIN (src/include/comm.h; p2p.cc p2pSendSetup /
// p2pRecvSetup ALIGN_SIZE(..., CUDA_IPC_MIN)).
constexpr Bytes kP2pAlignBytes = 2 * kMiB;
// With cuMem every ncclCudaMalloc/Calloc is one cuMemCreate rounded to the allocation granularity,
// 2 MiB on these GPUs (src/include/alloc.h ncclCuMemAlloc).
constexpr Bytes kCuMemGranularity = 2 * kMiB;
// NET-shared p2p buffer: p2pnChannels x NCCL_SHARED_STEPS x p2p chunk (src/transport/net.cc
// sharedNetBuffersInit), allocated in eager mode by the "connect to local net proxy" step of init.
constexpr int kSharedSteps = 16;
// P2P chunk size (src/init.cc computeBuffSizes; env NCCL_P2P_NVL_CHUNKSIZE / _PCI_ / _NET_), capped at
// NCCL_BUFFSIZE / 8.
constexpr Bytes kP2pChunkNvlink = 512 * kKiB, kP2pChunkPcie = 128 * kKiB, kP2pChunkNet = 128 * kKiB;
// Channel structures: devCommAndChans + rankToLocalRank per communicator, devPeers + channel devPeers
// + devRingUserRanks per initialised channel (src/channel.cc initChannel, src/init.cc devCommSetup).
constexpr int kFixedStructAllocs = 2, kStructAllocsPerChannel = 3;
// NVLS channels on sm90 (NCCL_NVLS_NCHANNELS <= 2.24, NVLS_NCHANNELS_SM90 later; src/transport/nvls.cc).
constexpr int kNvlsChannels = 16;
// Multicast "recommended" granularity on Hopper, to which NCCL 2.19-2.25 rounded NVLS buffers
// (microsoft/mscclpp include/mscclpp/nvls.hpp; not measured, nccl_cuda_overheads.md §6).
constexpr Bytes kMcRecommendedGranularity = 512 * kMiB;
// NVLS credit buffer rounded to the minimum multicast granularity (2.22+, v2.22.3 ncclNvlsBufferSetup).
constexpr Bytes kNvlsCreditBytes = 2 * kMiB;

// Ring-search speed tables, GB/s per channel (src/graph/search.cc speedArrayIntra/Inter and the
// sm90 variants).
constexpr double kSpeedIntra[] = {40.0, 30.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0, 7.0, 6.0, 5.0, 4.0, 3.0};
constexpr double kSpeedIntraSm90[] = {60.0, 50.0, 40.0, 30.0, 24.0, 20.0, 15.0, 12.0, 11.0, 6.0, 3.0};
constexpr double kSpeedInter[] = {48.0, 30.0, 28.0, 24.0, 20.0, 18.0, 15.0, 12.0, 10.0, 9.0,
                                  7.0,  6.0,  5.0,  4.0,  3.0,  2.4,  1.2,  0.24, 0.12};
constexpr double kSpeedInterSm90[] = {48.0, 45.0, 42.0, 40.0, 30.0, 24.0, 22.0, 20.0, 17.5,
                                      15.0, 12.0, 6.0,  3.0,  2.4,  1.2,  0.24, 0.12};
// ncclTopoDupChannels doubles rings at >= 25 GB/s, except on sm > 80 below 50 GB/s with > 4 rings.
constexpr double kDupMinSpeed = 25.0, kDupSm90MinSpeed = 50.0;
constexpr int kDupSm90MaxRings = 4;

// NCCL's bandwidth figures, GB/s (src/graph/topo.h).
constexpr double kLocBw = 5000.0;
constexpr double kAmdInterCpuBw = 16.0;    // AMD_BW
constexpr double kIntelInterCpuBw = 10.0;  // SKL_QPI_BW
constexpr double kNetBw = 12.0;            // NET_BW, one 100 Gb/s NIC

double NcclNvlinkBwPerLink(int cc) {
  if (cc >= 100) return 40.1;             // SM100_NVLINK_BW
  if (cc >= 90) return 20.6;              // SM90_NVLINK_BW
  if (cc == 86 || cc == 87) return 12.0;  // SM86_NVLINK_BW (GA10x bridges)
  if (cc >= 70) return 20.0;              // SM70/SM80_NVLINK_BW
  return 18.0;                            // SM60_NVLINK_BW
}

// src/graph/topo.cc kvDictPciGen: GT/s -> per-lane figure; bandwidth = lanes x figure / 80.
double NcclPciBw(const GpuSpec& gpu) {
  static constexpr double kLaneFigure[] = {0, 15, 30, 60, 120, 240, 480};
  const int gen = gpu.pcie_gen >= 1 && gpu.pcie_gen <= 6 ? gpu.pcie_gen : 4;
  const int lanes = gpu.pcie_lanes > 0 ? gpu.pcie_lanes : 16;
  return lanes * kLaneFigure[gen] / 80.0;
}

int MaxChannels(NcclVersion v) { return v >= NcclVersion{2, 25, 0} ? 64 : 32; }  // src/include/device.h

int Pow2Up(int x) {
  int p = 1;
  while (p < x) p *= 2;
  return p;
}

template <size_t N>
double PickSpeed(const double (&table)[N], double bw) {
  for (double s : table) {
    if (s <= bw) return s;
  }
  return table[N - 1];
}

struct Conn {
  int peer;
  bool recv;
  bool operator<(const Conn& o) const { return std::tie(peer, recv) < std::tie(o.peer, o.recv); }
};

std::string MiBText(Bytes b) {
  const double mib = ToMiB(b);
  char buf[32];
  if (std::fabs(mib - std::round(mib)) < 1e-9)
    std::snprintf(buf, sizeof(buf), "%.0f", mib);
  else
    std::snprintf(buf, sizeof(buf), "%.2f", mib);
  return buf;
}

}  // namespace

std::string_view NcclTransportName(NcclTransport t) {
  switch (t) {
    case NcclTransport::kP2p: return "P2P";
    case NcclTransport::kShm: return "SHM";
    case NcclTransport::kNet: return "NET";
  }
  return "?";
}

Bytes NcclRankMemory::total() const {
  Bytes sum = 0;
  for (const auto& a : allocations) sum += a.bytes;
  return sum;
}

Bytes NcclRankMemory::at_stage(NcclStage stage) const {
  Bytes sum = 0;
  for (const auto& a : allocations) sum += a.stage == stage ? a.bytes : 0;
  return sum;
}

double NcclPathBandwidth(const Topology& t, const GpuSpec& gpu, int a, int b) {
  const LinkKind k = t.link[a][b];
  switch (k) {
    case LinkKind::kSelf: return kLocBw;
    case LinkKind::kNvlink:
    case LinkKind::kNvswitch: {
      int links = t.nvlink_count[a][b] > 0 ? t.nvlink_count[a][b] : gpu.nvlink_links;
      return std::max(1, links) * NcclNvlinkBwPerLink(gpu.compute_capability());
    }
    case LinkKind::kSys:
      return std::min(NcclPciBw(gpu), t.cpu_vendor == "intel" ? kIntelInterCpuBw : kAmdInterCpuBw);
    case LinkKind::kNet: return std::min(NcclPciBw(gpu), kNetBw);
    default: return NcclPciBw(gpu);
  }
}

StatusOr<NcclCommPlan> PlanNcclComm(const NcclCommSpec& spec, const NcclUsage& usage) {
  if (spec.gpu == nullptr || spec.topology == nullptr) {
    return Status::InvalidArgument("NCCL communicator without a GPU spec or topology");
  }
  const GpuSpec& gpu = *spec.gpu;
  const Topology& topo = *spec.topology;
  static const CommConstants kDefaults;
  const CommConstants& k = spec.constants != nullptr ? *spec.constants : kDefaults;
  const int n = static_cast<int>(spec.gpus.size());
  if (n < 1) return Status::InvalidArgument("NCCL communicator with no ranks");
  {
    std::set<int> seen;
    for (int g : spec.gpus) {
      if (g < 0 || g >= topo.num_gpus) {
        return Status::InvalidArgument("rank on GPU " + std::to_string(g) + ", but topology '" + topo.name +
                                       "' has " + std::to_string(topo.num_gpus) + " GPUs");
      }
      if (!seen.insert(g).second) {
        return Status::InvalidArgument("two ranks of one communicator on GPU " + std::to_string(g));
      }
    }
  }
  if (usage.gather_root >= n) return Status::InvalidArgument("gather root outside the communicator");

  NcclCommPlan plan;
  plan.version = spec.version;
  const NcclVersion v = spec.version;
  const int cc = gpu.compute_capability();
  auto g = [&](int r) { return spec.gpus[r]; };

  // §0: cuMem is auto-on from 2.19 where supported; GeForce cards lack the GPUDirect-RDMA-with-VMM
  // attribute NCCL required until 2.23.4. Runtime (lazy) connect needs cuMem and NCCL >= 2.22.
  plan.cumem =
      spec.cumem_requested && v >= NcclVersion{2, 19, 0} && (gpu.datacenter || v >= NcclVersion{2, 24, 0});
  plan.lazy_connect = plan.cumem && spec.runtime_connect && v >= NcclVersion{2, 22, 0};
  if (spec.cumem_requested && !plan.cumem) {
    plan.notes.push_back(v < NcclVersion{2, 19, 0}
                             ? "NCCL " + ToString(v) + " does not use cuMem by default (auto-on from 2.19)"
                             : "NCCL " + ToString(v) + " does not use cuMem on " + gpu.name +
                                   " (no GPUDirect RDMA with VMM before NCCL 2.24)");
  }
  auto round_alloc = [&](Bytes b) { return plan.cumem ? RoundUp(b, kCuMemGranularity) : b; };

  // Ring in rank order, host by host (NCCL's rings visit all GPUs of a node before leaving it).
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return topo.host_of_gpu[g(a)] < topo.host_of_gpu[g(b)]; });
  std::vector<int> next(n), prev(n);
  for (int i = 0; i < n; ++i) {
    next[order[i]] = order[(i + 1) % n];
    prev[order[(i + 1) % n]] = order[i];
  }
  const bool multi_host = !AllPairs(spec.gpus, [&](int a, int b) { return topo.same_host(a, b); });
  const bool all_nvlink = AllPairs(spec.gpus, [&](int a, int b) { return IsNvlinkKind(topo.link[a][b]); });

  // Transport per ordered pair (§1.2): NET across hosts; P2P over NVLink, or over PCIe when the driver
  // allows peer access and the path is within NCCL's P2P level (PXB; SYS on AMD hosts with <= 2 GPUs,
  // src/graph/paths.cc ncclTopoCheckP2p); else SHM through host memory. Read mode for sm_80 pairs on
  // NVLink (same function).
  int gpus_on_host = 0;
  for (int x = 0; x < topo.num_gpus; ++x) gpus_on_host += topo.same_host(x, g(0)) ? 1 : 0;
  const LinkKind p2p_level =
      (topo.cpu_vendor == "amd" && gpus_on_host <= 2) ? LinkKind::kSys : LinkKind::kPxb;
  auto transport = [&](int a, int b) {
    const LinkKind l = topo.link[g(a)][g(b)];
    if (!topo.same_host(g(a), g(b))) return NcclTransport::kNet;
    if (IsNvlinkKind(l)) return NcclTransport::kP2p;
    if (topo.p2p_possible(g(a), g(b), gpu) && l <= p2p_level) return NcclTransport::kP2p;
    return NcclTransport::kShm;
  };
  auto read_mode = [&](int a, int b) { return cc == 80 && IsNvlinkKind(topo.link[g(a)][g(b)]); };
  const bool gdr = gpu.datacenter;  // GPUDirect RDMA: datacenter cards with a NIC nearby (assumed)
  const Bytes ll = k.nccl_ll_buffsize, ll128 = k.nccl_ll128_buffsize, simple = k.nccl_simple_buffsize;
  // Receive / send buffer of one connection from `a`'s side toward peer `b` (§1.2).
  auto recv_bytes = [&](int a, int b) -> Bytes {
    switch (transport(a, b)) {
      case NcclTransport::kP2p:
        return RoundUp(kConnHeaderBytes + ll + ll128 + (read_mode(a, b) ? 0 : simple), kP2pAlignBytes);
      case NcclTransport::kShm: return 0;
      case NcclTransport::kNet: return gdr ? round_alloc(ll + ll128 + simple) : 0;
    }
    return 0;
  };
  auto send_bytes = [&](int a, int b) -> Bytes {
    switch (transport(a, b)) {
      case NcclTransport::kP2p:
        return RoundUp(kConnHeaderBytes + (read_mode(a, b) ? simple : 0), kP2pAlignBytes);
      case NcclTransport::kShm: return 0;
      case NcclTransport::kNet: return gdr ? round_alloc(ll128 + simple) : 0;
    }
    return 0;
  };

  // NVLS (§1.6): multicast needs every pair behind NVSwitch on one host and sm_90+; NCCL <= 2.28 turns
  // it off for <= 2 GPUs, 2.29+ for < 2.
  const bool nvls_hw = cc >= 90 && !multi_host && n >= 2 && AllPairs(spec.gpus, [&](int a, int b) {
                         return topo.link[a][b] == LinkKind::kNvswitch;
                       });
  const int nvls_min_ranks = v >= NcclVersion{2, 29, 0} ? 2 : 3;
  const bool nvls_possible = nvls_hw && v >= NcclVersion{2, 17, 0} && n >= nvls_min_ranks;
  if (nvls_hw && !nvls_possible) {
    plan.notes.push_back("NVLS off: NCCL " + ToString(v) +
                         " needs more than 2 GPUs for NVLS (from 2.29 two suffice)");
  }

  // Channels (§1.3).
  double intra_bw = std::numeric_limits<double>::infinity();
  for (int r = 0; r < n && n > 1; ++r) {
    if (topo.same_host(g(r), g(next[r])))
      intra_bw = std::min(intra_bw, NcclPathBandwidth(topo, gpu, g(r), g(next[r])));
  }
  const int maxch = MaxChannels(v);
  int rings = 1;
  double speed = 0;
  if (n > 1) {
    const bool sm90 = cc >= 90;
    double bw = std::isinf(intra_bw) ? kNetBw : intra_bw;
    speed = sm90 ? PickSpeed(kSpeedIntraSm90, bw) : PickSpeed(kSpeedIntra, bw);
    rings = std::max(1, static_cast<int>(std::floor(bw / speed + 1e-9)));
    if (multi_host) {
      double inter_speed = sm90 ? PickSpeed(kSpeedInterSm90, kNetBw) : PickSpeed(kSpeedInter, kNetBw);
      rings = std::min(rings, std::max(1, static_cast<int>(std::floor(kNetBw / inter_speed + 1e-9))));
      speed = std::min(speed, inter_speed);
    }
    rings = std::min(rings, maxch / 2);
    const bool no_dup =
        speed < kDupMinSpeed || (cc > 80 && speed < kDupSm90MinSpeed && rings > kDupSm90MaxRings);
    if (!no_dup) rings = std::min(2 * rings, maxch / 2);
    plan.ring_bw_gb_per_s = std::isinf(intra_bw) ? kNetBw : intra_bw;
  }
  int coll = std::min(maxch, 2 * rings);  // ncclTopoPostset doubles the rings
  if (nvls_possible && v < NcclVersion{2, 28, 0}) coll = std::max(coll, std::min(kNvlsChannels, maxch));
  if (k.nccl_max_nchannels > 0) coll = std::min(coll, k.nccl_max_nchannels);
  plan.coll_channels = coll;
  plan.p2p_channels = std::min(Pow2Up(coll), maxch);  // src/graph/paths.cc ncclTopoComputeP2pChannels
  int per_peer = plan.p2p_channels;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      int c = 2;
      if (IsNvlinkKind(topo.link[g(a)][g(b)])) {
        c = 2 *
            std::max(1, static_cast<int>(NcclPathBandwidth(topo, gpu, g(a), g(b)) / NcclNvlinkBwPerLink(cc)));
      }
      per_peer = std::min(per_peer, c);
    }
  }
  plan.p2p_channels_per_peer = n > 1 ? std::min(Pow2Up(per_peer), plan.p2p_channels) : 0;
  const Bytes chunk = multi_host ? kP2pChunkNet : (all_nvlink && n > 1 ? kP2pChunkNvlink : kP2pChunkPcie);
  plan.p2p_chunk_bytes = std::min(chunk, simple / 8);

  // Tree (§1.4): a chain per host in rank order, hosts chained through their first ranks.
  std::vector<int> parent(n, -1);
  std::vector<std::vector<int>> children(n);
  {
    std::vector<int> heads;
    for (int i = 0; i < n; ++i) {
      const int r = order[i];
      const bool new_host = i == 0 || !topo.same_host(g(order[i - 1]), g(r));
      if (new_host) {
        if (!heads.empty()) parent[r] = heads.back();
        heads.push_back(r);
      } else {
        parent[r] = order[i - 1];
      }
      if (parent[r] >= 0) children[parent[r]].push_back(r);
    }
  }

  const int C = plan.coll_channels, P = plan.p2p_channels;
  std::string mode = plan.lazy_connect ? "lazy connect" : "eager connect";
  plan.ranks.resize(n);
  for (int r = 0; r < n; ++r) {
    NcclRankMemory& m = plan.ranks[r];
    if (n == 1) continue;
    std::set<Conn> ring = {{prev[r], true}, {next[r], false}};
    std::set<Conn> tree;
    auto add_tree = [&](int q) {
      if (q < 0) return;
      tree.insert({q, true});
      tree.insert({q, false});
    };
    add_tree(parent[r]);
    for (int c : children[r]) add_tree(c);
    std::vector<Conn> extra;
    for (const Conn& c : tree) {
      if (!ring.count(c)) extra.push_back(c);
    }
    if (n >= 3) {
      m.tree_position = parent[r] < 0 ? "head" : (children[r].empty() ? "tail" : "middle");
    }

    std::set<NcclTransport> used;
    for (const Conn& c : ring) used.insert(transport(r, c.peer));
    for (const Conn& c : extra) used.insert(transport(r, c.peer));
    for (NcclTransport t : {NcclTransport::kP2p, NcclTransport::kShm, NcclTransport::kNet}) {
      if (!used.count(t)) continue;
      if (!m.transport.empty()) m.transport += '+';
      m.transport += NcclTransportName(t);
    }
    for (const Conn& c : ring)
      plan.p2p_read |= transport(r, c.peer) == NcclTransport::kP2p && read_mode(r, c.peer);

    // §1.5 channel structures.
    if (plan.cumem) {
      const int allocs = kFixedStructAllocs + kStructAllocsPerChannel * std::max(C, P);
      m.allocations.push_back(
          {"NCCL channel structures ((" + std::to_string(kFixedStructAllocs) + " + " +
               std::to_string(kStructAllocsPerChannel) + " x " + std::to_string(std::max(C, P)) +
               ") x 2 MiB cuMem granules)",
           allocs * kCuMemGranularity, NcclStage::kCreation,
           "nccl_cuda_overheads.md §1.5; NVIDIA/nccl src/channel.cc initChannel, src/include/alloc.h"});
    }
    // §1.4 ring.
    const Bytes ring_recv = recv_bytes(r, prev[r]), ring_send = send_bytes(r, next[r]);
    if (ring_recv + ring_send > 0 && (!plan.lazy_connect || usage.ring_collective)) {
      m.allocations.push_back(
          {"NCCL ring buffers (" + std::to_string(C) + " ch x (" + MiBText(ring_recv) + " recv + " +
               MiBText(ring_send) + " send) MiB)" +
               (plan.lazy_connect ? ", at the first ring collective" : ""),
           C * (ring_recv + ring_send),
           plan.lazy_connect ? NcclStage::kFirstRingCollective : NcclStage::kCreation,
           "nccl_cuda_overheads.md §1.2, §1.4; src/transport/generic.cc ncclTransportRingConnect"});
    }
    // §1.4 tree extras (eager only).
    if (!plan.lazy_connect && !extra.empty()) {
      Bytes per_channel = 0;
      int nrecv = 0, nsend = 0;
      for (const Conn& c : extra) {
        per_channel += c.recv ? recv_bytes(r, c.peer) : send_bytes(r, c.peer);
        (c.recv ? nrecv : nsend) += 1;
      }
      if (per_channel > 0) {
        m.allocations.push_back(
            {"NCCL tree connections beyond the ring (" + m.tree_position + ": +" + std::to_string(nrecv) +
                 " recv +" + std::to_string(nsend) + " send per channel, " + std::to_string(C) + " ch)",
             C * per_channel, NcclStage::kCreation,
             "nccl_cuda_overheads.md §1.4, §1.8; src/transport/generic.cc ncclTransportTreeConnect"});
      }
    }
    // §1.4 NET-shared p2p buffer (eager only, even on one node).
    if (!plan.lazy_connect) {
      const Bytes shared = round_alloc(static_cast<Bytes>(P) * kSharedSteps * plan.p2p_chunk_bytes);
      m.allocations.push_back({"NCCL NET-shared p2p buffer (" + std::to_string(P) + " ch x 16 steps x " +
                                   std::to_string(plan.p2p_chunk_bytes / kKiB) + " KiB)",
                               shared, NcclStage::kCreation,
                               "nccl_cuda_overheads.md §1.4; src/transport/net.cc sharedNetBuffersInit"});
    }
    // §1.6 NVLS.
    if (nvls_possible && (!plan.lazy_connect || usage.large_all_reduce)) {
      Bytes nvls = 0;
      std::string how;
      if (v < NcclVersion{2, 21, 0}) {
        nvls = RoundUp(static_cast<Bytes>(C) * 2 * (4 * kMiB + 2 * kMiB) * n, kMcRecommendedGranularity);
        how = std::to_string(C) + " ch x 2 x 6 MiB x " + std::to_string(n) + " ranks, to 512 MiB";
      } else if (v < NcclVersion{2, 22, 0}) {
        nvls = RoundUp(static_cast<Bytes>(C) * 2 * (1 * kMiB + 2 * kMiB) * n, kMcRecommendedGranularity);
        how = std::to_string(C) + " ch x 2 x 3 MiB x " + std::to_string(n) + " ranks, to 512 MiB";
      } else if (v < NcclVersion{2, 26, 0}) {
        nvls = RoundUp(static_cast<Bytes>(kNvlsChannels) * 2 * kMiB * n, kMcRecommendedGranularity) +
               kNvlsCreditBytes;
        how = "16 ch x 2 x 1 MiB x " + std::to_string(n) + " ranks, to 512 MiB, + 2 MiB credits";
      } else {
        nvls =
            RoundUp(static_cast<Bytes>(kNvlsChannels) * 2 * kMiB * n, kCuMemGranularity) + kNvlsCreditBytes;
        how = "16 ch x 2 x 1 MiB x " + std::to_string(n) + " ranks + 2 MiB credits";
      }
      const bool at_init = !plan.lazy_connect;
      const NcclStage stage = at_init ? NcclStage::kCreation : NcclStage::kFirstLargeAllReduce;
      m.allocations.push_back(
          {"NCCL NVLS buffers (" + how + ")" + (at_init ? "" : ", at the first large all-reduce"), nvls,
           stage, "nccl_cuda_overheads.md §1.6; src/transport/nvls.cc"});
      if (plan.cumem) {
        m.allocations.push_back({"NCCL NVLS channel structures (16 x 2 MiB)",
                                 kNvlsChannels * kCuMemGranularity, stage,
                                 "nccl_cuda_overheads.md §1.5, §1.8; src/channel.cc initNvlsChannel"});
      }
    }
    // §1.4 p2p connections of a gather built from send/recv (connected at the first send/recv).
    if (usage.gather_root >= 0) {
      const int root = usage.gather_root;
      Bytes bytes = 0;
      if (r == root) {
        for (int s = 0; s < n; ++s) bytes += s == r ? 0 : plan.p2p_channels_per_peer * recv_bytes(r, s);
      } else {
        bytes = plan.p2p_channels_per_peer * send_bytes(r, root);
      }
      if (bytes > 0) {
        m.allocations.push_back({"NCCL send/recv connections of a gather to rank " + std::to_string(root) +
                                     " (" + std::to_string(plan.p2p_channels_per_peer) + " ch per peer)",
                                 bytes, NcclStage::kFirstSendRecv,
                                 "nccl_cuda_overheads.md §1.4 (p2p); pytorch ProcessGroupNCCL gather"});
      }
    }
  }
  plan.nvls = nvls_possible && (!plan.lazy_connect || usage.large_all_reduce);

  // Human sentences.
  std::string t0 = n > 1 ? plan.ranks[0].transport : "none";
  plan.notes.push_back("NCCL " + ToString(v) + ", cuMem " + (plan.cumem ? "on" : "off") + ", " + mode + ": " +
                       std::to_string(C) + " coll channels, " + std::to_string(P) + " p2p channels (" +
                       std::to_string(plan.p2p_channels_per_peer) + " per peer), transport " + t0 +
                       (plan.p2p_read ? " (read mode)" : ""));
  if (plan.lazy_connect) {
    plan.notes.push_back(
        "lazy connect: only channel structures at init; ring buffers come with the first ring "
        "collective, NVLS/tree buffers only when NCCL's tuner first picks them (tree not modelled)");
  } else if (plan.cumem) {
    plan.notes.push_back("eager connect with cuMem: every device allocation is its own 2 MiB granule");
  } else {
    plan.notes.push_back(
        "eager connect without cuMem: channel structures are packed cudaMalloc blocks (< 1 MiB, "
        "not counted); ring, tree and the NET-shared buffer are built inside ncclCommInitRank");
  }
  if (n > 1 && t0.find("SHM") != std::string::npos) {
    plan.notes.push_back(
        "SHM transport: ring/tree FIFOs live in host shared memory (/dev/shm), not on the GPU");
  }
  if (multi_host) {
    plan.notes.push_back(
        std::string("NET transport between hosts: buffers on the GPU only with GPUDirect RDMA (") +
        (gdr ? "assumed for datacenter cards" : "not on this card") +
        "); the multi-node tree is approximated as host chains joined at their first ranks");
  }
  return plan;
}

}  // namespace tpsim
