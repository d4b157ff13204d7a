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

namespace {

Status CheckSpec(const NcclCommSpec& spec, const NcclUsage& usage) {
  if (spec.gpu == nullptr || spec.topology == nullptr) {
    return Status::InvalidArgument("NCCL communicator without a GPU spec or topology");
  }
  const Topology& topo = *spec.topology;
  const int n = static_cast<int>(spec.gpus.size());
  if (n < 1) return Status::InvalidArgument("NCCL communicator with no ranks");
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
  if (usage.gather_root >= n) return Status::InvalidArgument("gather root outside the communicator");
  return Status::Ok();
}

// What one communicator's ranks see of each other: ring order, transport and buffer size per
// connection (§1.2), NVLS eligibility (§1.6), and the tree (§1.4). Built once per PlanNcclComm.
class CommLayout {
 public:
  CommLayout(const NcclCommSpec& spec, const NcclCommPlan& plan)
      : spec_(spec), gpu_(*spec.gpu), topo_(*spec.topology), n_(static_cast<int>(spec.gpus.size())),
        cc_(spec.gpu->compute_capability()), cumem_(plan.cumem) {
    static const CommConstants kDefaults;
    const CommConstants& k = spec.constants != nullptr ? *spec.constants : kDefaults;
    ll_ = k.nccl_ll_buffsize;
    ll128_ = k.nccl_ll128_buffsize;
    simple_ = k.nccl_simple_buffsize;
    BuildRing();
    BuildTree();
    // Transport level (§1.2): P2P over PCIe within PXB, or SYS on AMD hosts with <= 2 GPUs
    // (src/graph/paths.cc ncclTopoCheckP2p).
    int gpus_on_host = 0;
    for (int x = 0; x < topo_.num_gpus; ++x) gpus_on_host += topo_.same_host(x, g(0)) ? 1 : 0;
    p2p_level_ = (topo_.cpu_vendor == "amd" && gpus_on_host <= 2) ? LinkKind::kSys : LinkKind::kPxb;
  }

  int size() const { return n_; }
  int g(int r) const { return spec_.gpus[r]; }
  int next(int r) const { return next_[r]; }
  int prev(int r) const { return prev_[r]; }
  int parent(int r) const { return parent_[r]; }
  const std::vector<int>& children(int r) const { return children_[r]; }
  Bytes simple() const { return simple_; }
  bool gdr() const { return gpu_.datacenter; }  // GPUDirect RDMA: datacenter cards near a NIC (assumed)

  bool multi_host() const {
    return !AllPairs(spec_.gpus, [&](int a, int b) { return topo_.same_host(a, b); });
  }
  bool all_nvlink() const {
    return AllPairs(spec_.gpus, [&](int a, int b) { return IsNvlinkKind(topo_.link[a][b]); });
  }
  // NVLS hardware (§1.6): every pair behind NVSwitch on one host, sm_90+.
  bool nvls_hardware() const {
    return cc_ >= 90 && !multi_host() && n_ >= 2 &&
           AllPairs(spec_.gpus, [&](int a, int b) { return topo_.link[a][b] == LinkKind::kNvswitch; });
  }

  // Transport per ordered pair (§1.2): NET across hosts; P2P over NVLink, or over PCIe when the driver
  // allows peer access within NCCL's P2P level; else SHM through host memory.
  NcclTransport transport(int a, int b) const {
    const LinkKind l = topo_.link[g(a)][g(b)];
    if (!topo_.same_host(g(a), g(b))) return NcclTransport::kNet;
    if (IsNvlinkKind(l)) return NcclTransport::kP2p;
    if (topo_.p2p_possible(g(a), g(b), gpu_) && l <= p2p_level_) return NcclTransport::kP2p;
    return NcclTransport::kShm;
  }
  // Read mode for sm_80 pairs on NVLink (same function).
  bool read_mode(int a, int b) const { return cc_ == 80 && IsNvlinkKind(topo_.link[g(a)][g(b)]); }
  // Receive / send buffer of one connection from `a`'s side toward peer `b` (§1.2).
  Bytes recv_bytes(int a, int b) const {
    switch (transport(a, b)) {
      case NcclTransport::kP2p:
        return RoundUp(kConnHeaderBytes + ll_ + ll128_ + (read_mode(a, b) ? 0 : simple_), kP2pAlignBytes);
      case NcclTransport::kShm: return 0;
      case NcclTransport::kNet: return gdr() ? round_alloc(ll_ + ll128_ + simple_) : 0;
    }
    return 0;
  }
  Bytes send_bytes(int a, int b) const {
    switch (transport(a, b)) {
      case NcclTransport::kP2p:
        return RoundUp(kConnHeaderBytes + (read_mode(a, b) ? simple_ : 0), kP2pAlignBytes);
      case NcclTransport::kShm: return 0;
      case NcclTransport::kNet: return gdr() ? round_alloc(ll128_ + simple_) : 0;
    }
    return 0;
  }
  Bytes round_alloc(Bytes b) const { return cumem_ ? RoundUp(b, kCuMemGranularity) : b; }

 private:
  // Ring in rank order, host by host (NCCL's rings visit all GPUs of a node before leaving it).
  void BuildRing() {
    order_.resize(n_);
    std::iota(order_.begin(), order_.end(), 0);
    std::stable_sort(order_.begin(), order_.end(),
                     [&](int a, int b) { return topo_.host_of_gpu[g(a)] < topo_.host_of_gpu[g(b)]; });
    next_.resize(n_);
    prev_.resize(n_);
    for (int i = 0; i < n_; ++i) {
      next_[order_[i]] = order_[(i + 1) % n_];
      prev_[order_[(i + 1) % n_]] = order_[i];
    }
  }
  // Tree (§1.4): a chain per host in rank order, hosts chained through their first ranks.
  void BuildTree() {
    parent_.assign(n_, -1);
    children_.assign(n_, {});
    std::vector<int> heads;
    for (int i = 0; i < n_; ++i) {
      const int r = order_[i];
      const bool new_host = i == 0 || !topo_.same_host(g(order_[i - 1]), g(r));
      if (new_host) {
        if (!heads.empty()) parent_[r] = heads.back();
        heads.push_back(r);
      } else {
        parent_[r] = order_[i - 1];
      }
      if (parent_[r] >= 0) children_[parent_[r]].push_back(r);
    }
  }

  const NcclCommSpec& spec_;
  const GpuSpec& gpu_;
  const Topology& topo_;
  int n_;
  int cc_;
  bool cumem_;
  Bytes ll_ = 0, ll128_ = 0, simple_ = 0;
  LinkKind p2p_level_ = LinkKind::kPxb;
  std::vector<int> order_, next_, prev_, parent_;
  std::vector<std::vector<int>> children_;
};

// §0: cuMem is auto-on from 2.19 where supported; GeForce cards lack the GPUDirect-RDMA-with-VMM
// attribute NCCL required until 2.23.4. Runtime (lazy) connect needs cuMem and NCCL >= 2.22.
void ChooseConnectMode(const NcclCommSpec& spec, NcclCommPlan* plan) {
  const NcclVersion v = spec.version;
  const GpuSpec& gpu = *spec.gpu;
  plan->cumem =
      spec.cumem_requested && v >= NcclVersion{2, 19, 0} && (gpu.datacenter || v >= NcclVersion{2, 24, 0});
  plan->lazy_connect = plan->cumem && spec.runtime_connect && v >= NcclVersion{2, 22, 0};
  if (spec.cumem_requested && !plan->cumem) {
    plan->notes.push_back(v < NcclVersion{2, 19, 0}
                              ? "NCCL " + ToString(v) + " does not use cuMem by default (auto-on from 2.19)"
                              : "NCCL " + ToString(v) + " does not use cuMem on " + gpu.name +
                                    " (no GPUDirect RDMA with VMM before NCCL 2.24)");
  }
}

// Channels (§1.3): rings from the ring search, doubled by DupChannels and Postset; p2p channels.
void ChooseChannels(const NcclCommSpec& spec, const CommLayout& lay, bool nvls_possible,
                    NcclCommPlan* plan) {
  static const CommConstants kDefaults;
  const CommConstants& k = spec.constants != nullptr ? *spec.constants : kDefaults;
  const GpuSpec& gpu = *spec.gpu;
  const Topology& topo = *spec.topology;
  const NcclVersion v = spec.version;
  const int n = lay.size();
  const int cc = gpu.compute_capability();
  const bool multi_host = lay.multi_host();
  double intra_bw = std::numeric_limits<double>::infinity();
  for (int r = 0; r < n && n > 1; ++r) {
    if (topo.same_host(lay.g(r), lay.g(lay.next(r))))
      intra_bw = std::min(intra_bw, NcclPathBandwidth(topo, gpu, lay.g(r), lay.g(lay.next(r))));
  }
  const int maxch = MaxChannels(v);
  int rings = 1;
  if (n > 1) {
    const bool sm90 = cc >= 90;
    double bw = std::isinf(intra_bw) ? kNetBw : intra_bw;
    double speed = sm90 ? PickSpeed(kSpeedIntraSm90, bw) : PickSpeed(kSpeedIntra, bw);
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
    plan->ring_bw_gb_per_s = std::isinf(intra_bw) ? kNetBw : intra_bw;
  }
  int coll = std::min(maxch, 2 * rings);  // ncclTopoPostset doubles the rings
  if (nvls_possible && v < NcclVersion{2, 28, 0}) coll = std::max(coll, std::min(kNvlsChannels, maxch));
  if (k.nccl_max_nchannels > 0) coll = std::min(coll, k.nccl_max_nchannels);
  plan->coll_channels = coll;
  plan->p2p_channels = std::min(Pow2Up(coll), maxch);  // src/graph/paths.cc ncclTopoComputeP2pChannels
  int per_peer = plan->p2p_channels;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      int c = 2;
      if (IsNvlinkKind(topo.link[lay.g(a)][lay.g(b)])) {
        c = 2 * std::max(1, static_cast<int>(NcclPathBandwidth(topo, gpu, lay.g(a), lay.g(b)) /
                                             NcclNvlinkBwPerLink(cc)));
      }
      per_peer = std::min(per_peer, c);
    }
  }
  plan->p2p_channels_per_peer = n > 1 ? std::min(Pow2Up(per_peer), plan->p2p_channels) : 0;
  const Bytes chunk =
      multi_host ? kP2pChunkNet : (lay.all_nvlink() && n > 1 ? kP2pChunkNvlink : kP2pChunkPcie);
  plan->p2p_chunk_bytes = std::min(chunk, lay.simple() / 8);
}

// NVLS buffers (§1.6) by NCCL version: bytes and how they were counted.
std::pair<Bytes, std::string> NvlsBuffers(NcclVersion v, int channels, int n) {
  if (v < NcclVersion{2, 21, 0}) {
    return {RoundUp(static_cast<Bytes>(channels) * 2 * (4 * kMiB + 2 * kMiB) * n, kMcRecommendedGranularity),
            std::to_string(channels) + " ch x 2 x 6 MiB x " + std::to_string(n) + " ranks, to 512 MiB"};
  }
  if (v < NcclVersion{2, 22, 0}) {
    return {RoundUp(static_cast<Bytes>(channels) * 2 * (1 * kMiB + 2 * kMiB) * n, kMcRecommendedGranularity),
            std::to_string(channels) + " ch x 2 x 3 MiB x " + std::to_string(n) + " ranks, to 512 MiB"};
  }
  if (v < NcclVersion{2, 26, 0}) {
    return {RoundUp(static_cast<Bytes>(kNvlsChannels) * 2 * kMiB * n, kMcRecommendedGranularity) +
                kNvlsCreditBytes,
            "16 ch x 2 x 1 MiB x " + std::to_string(n) + " ranks, to 512 MiB, + 2 MiB credits"};
  }
  return {RoundUp(static_cast<Bytes>(kNvlsChannels) * 2 * kMiB * n, kCuMemGranularity) + kNvlsCreditBytes,
          "16 ch x 2 x 1 MiB x " + std::to_string(n) + " ranks + 2 MiB credits"};
}

// The ring connections of rank r, the tree connections beyond them, its tree position and transports.
struct RankConnections {
  std::set<Conn> ring;
  std::vector<Conn> extra;
};

RankConnections ConnectionsOf(const CommLayout& lay, int r, NcclRankMemory* m) {
  const int n = lay.size();
  RankConnections rc;
  rc.ring = {{lay.prev(r), true}, {lay.next(r), false}};
  std::set<Conn> tree;
  auto add_tree = [&](int q) {
    if (q < 0) return;
    tree.insert({q, true});
    tree.insert({q, false});
  };
  add_tree(lay.parent(r));
  for (int c : lay.children(r)) add_tree(c);
  for (const Conn& c : tree) {
    if (!rc.ring.count(c)) rc.extra.push_back(c);
  }
  if (n >= 3) {
    m->tree_position = lay.parent(r) < 0 ? "head" : (lay.children(r).empty() ? "tail" : "middle");
  }
  std::set<NcclTransport> used;
  for (const Conn& c : rc.ring) used.insert(lay.transport(r, c.peer));
  for (const Conn& c : rc.extra) used.insert(lay.transport(r, c.peer));
  for (NcclTransport t : {NcclTransport::kP2p, NcclTransport::kShm, NcclTransport::kNet}) {
    if (!used.count(t)) continue;
    if (!m->transport.empty()) m->transport += '+';
    m->transport += NcclTransportName(t);
  }
  return rc;
}

// Channel structures (§1.5), ring (§1.4), tree extras and the NET-shared buffer (eager only).
void AddConnectionBuffers(const CommLayout& lay, const NcclUsage& usage, int r, const RankConnections& rc,
                          const NcclCommPlan& plan, NcclRankMemory* m) {
  const int C = plan.coll_channels, P = plan.p2p_channels;
  if (plan.cumem) {
    const int allocs = kFixedStructAllocs + kStructAllocsPerChannel * std::max(C, P);
    m->allocations.push_back(
        {"NCCL channel structures ((" + std::to_string(kFixedStructAllocs) + " + " +
             std::to_string(kStructAllocsPerChannel) + " x " + std::to_string(std::max(C, P)) +
             ") x 2 MiB cuMem granules)",
         allocs * kCuMemGranularity, NcclStage::kCreation,
         "nccl_cuda_overheads.md §1.5; NVIDIA/nccl src/channel.cc initChannel, src/include/alloc.h"});
  }
  const Bytes ring_recv = lay.recv_bytes(r, lay.prev(r)), ring_send = lay.send_bytes(r, lay.next(r));
  if (ring_recv + ring_send > 0 && (!plan.lazy_connect || usage.ring_collective)) {
    m->allocations.push_back(
        {"NCCL ring buffers (" + std::to_string(C) + " ch x (" + MiBText(ring_recv) + " recv + " +
             MiBText(ring_send) + " send) MiB)" + (plan.lazy_connect ? ", at the first ring collective" : ""),
         C * (ring_recv + ring_send), plan.lazy_connect ? NcclStage::kFirstRingCollective : NcclStage::kCreation,
         "nccl_cuda_overheads.md §1.2, §1.4; src/transport/generic.cc ncclTransportRingConnect"});
  }
  if (plan.lazy_connect) return;
  if (!rc.extra.empty()) {
    Bytes per_channel = 0;
    int nrecv = 0, nsend = 0;
    for (const Conn& c : rc.extra) {
      per_channel += c.recv ? lay.recv_bytes(r, c.peer) : lay.send_bytes(r, c.peer);
      (c.recv ? nrecv : nsend) += 1;
    }
    if (per_channel > 0) {
      m->allocations.push_back(
          {"NCCL tree connections beyond the ring (" + m->tree_position + ": +" + std::to_string(nrecv) +
               " recv +" + std::to_string(nsend) + " send per channel, " + std::to_string(C) + " ch)",
           C * per_channel, NcclStage::kCreation,
           "nccl_cuda_overheads.md §1.4, §1.8; src/transport/generic.cc ncclTransportTreeConnect"});
    }
  }
  // NET-shared p2p buffer, even on one node.
  const Bytes shared = lay.round_alloc(static_cast<Bytes>(P) * kSharedSteps * plan.p2p_chunk_bytes);
  m->allocations.push_back({"NCCL NET-shared p2p buffer (" + std::to_string(P) + " ch x 16 steps x " +
                                std::to_string(plan.p2p_chunk_bytes / kKiB) + " KiB)",
                            shared, NcclStage::kCreation,
                            "nccl_cuda_overheads.md §1.4; src/transport/net.cc sharedNetBuffersInit"});
}

void AddNvlsBuffers(NcclVersion v, int n, const NcclCommPlan& plan, NcclRankMemory* m) {
  const auto [nvls, how] = NvlsBuffers(v, plan.coll_channels, n);
  const bool at_init = !plan.lazy_connect;
  const NcclStage stage = at_init ? NcclStage::kCreation : NcclStage::kFirstLargeAllReduce;
  m->allocations.push_back({"NCCL NVLS buffers (" + how + ")" + (at_init ? "" : ", at the first large all-reduce"),
                            nvls, stage, "nccl_cuda_overheads.md §1.6; src/transport/nvls.cc"});
  if (plan.cumem) {
    m->allocations.push_back({"NCCL NVLS channel structures (16 x 2 MiB)", kNvlsChannels * kCuMemGranularity,
                              stage, "nccl_cuda_overheads.md §1.5, §1.8; src/channel.cc initNvlsChannel"});
  }
}

// §1.4 p2p connections of a gather built from send/recv (connected at the first send/recv).
void AddGatherConnections(const CommLayout& lay, int root, int r, const NcclCommPlan& plan,
                          NcclRankMemory* m) {
  Bytes bytes = 0;
  if (r == root) {
    for (int s = 0; s < lay.size(); ++s) bytes += s == r ? 0 : plan.p2p_channels_per_peer * lay.recv_bytes(r, s);
  } else {
    bytes = plan.p2p_channels_per_peer * lay.send_bytes(r, root);
  }
  if (bytes > 0) {
    m->allocations.push_back({"NCCL send/recv connections of a gather to rank " + std::to_string(root) + " (" +
                                  std::to_string(plan.p2p_channels_per_peer) + " ch per peer)",
                              bytes, NcclStage::kFirstSendRecv,
                              "nccl_cuda_overheads.md §1.4 (p2p); pytorch ProcessGroupNCCL gather"});
  }
}

// Human sentences explaining the plan.
void AddNotes(const NcclCommSpec& spec, const CommLayout& lay, NcclCommPlan* plan) {
  const int n = lay.size();
  const std::string mode = plan->lazy_connect ? "lazy connect" : "eager connect";
  const std::string t0 = n > 1 ? plan->ranks[0].transport : "none";
  plan->notes.push_back("NCCL " + ToString(spec.version) + ", cuMem " + (plan->cumem ? "on" : "off") + ", " +
                        mode + ": " + std::to_string(plan->coll_channels) + " coll channels, " +
                        std::to_string(plan->p2p_channels) + " p2p channels (" +
                        std::to_string(plan->p2p_channels_per_peer) + " per peer), transport " + t0 +
                        (plan->p2p_read ? " (read mode)" : ""));
  if (plan->lazy_connect) {
    plan->notes.push_back(
        "lazy connect: only channel structures at init; ring buffers come with the first ring "
        "collective, NVLS/tree buffers only when NCCL's tuner first picks them (tree not modelled)");
  } else if (plan->cumem) {
    plan->notes.push_back("eager connect with cuMem: every device allocation is its own 2 MiB granule");
  } else {
    plan->notes.push_back(
        "eager connect without cuMem: channel structures are packed cudaMalloc blocks (< 1 MiB, "
        "not counted); ring, tree and the NET-shared buffer are built inside ncclCommInitRank");
  }
  if (n > 1 && t0.find("SHM") != std::string::npos) {
    plan->notes.push_back(
        "SHM transport: ring/tree FIFOs live in host shared memory (/dev/shm), not on the GPU");
  }
  if (lay.multi_host()) {
    plan->notes.push_back(
        std::string("NET transport between hosts: buffers on the GPU only with GPUDirect RDMA (") +
        (lay.gdr() ? "assumed for datacenter cards" : "not on this card") +
        "); the multi-node tree is approximated as host chains joined at their first ranks");
  }
}

}  // namespace

StatusOr<NcclCommPlan> PlanNcclComm(const NcclCommSpec& spec, const NcclUsage& usage) {
  TPSIM_RETURN_IF_ERROR(CheckSpec(spec, usage));
  NcclCommPlan plan;
  plan.version = spec.version;
  const NcclVersion v = spec.version;
  ChooseConnectMode(spec, &plan);
  const CommLayout lay(spec, plan);
  const int n = lay.size();

  // NCCL <= 2.28 turns NVLS off for <= 2 GPUs, 2.29+ for < 2.
  const bool nvls_hw = lay.nvls_hardware();
  const int nvls_min_ranks = v >= NcclVersion{2, 29, 0} ? 2 : 3;
  const bool nvls_possible = nvls_hw && v >= NcclVersion{2, 17, 0} && n >= nvls_min_ranks;
  if (nvls_hw && !nvls_possible) {
    plan.notes.push_back("NVLS off: NCCL " + ToString(v) +
                         " needs more than 2 GPUs for NVLS (from 2.29 two suffice)");
  }
  ChooseChannels(spec, lay, nvls_possible, &plan);

  const bool nvls_built = nvls_possible && (!plan.lazy_connect || usage.large_all_reduce);
  plan.ranks.resize(n);
  for (int r = 0; r < n && n > 1; ++r) {
    NcclRankMemory& m = plan.ranks[r];
    const RankConnections rc = ConnectionsOf(lay, r, &m);
    for (const Conn& c : rc.ring)
      plan.p2p_read |= lay.transport(r, c.peer) == NcclTransport::kP2p && lay.read_mode(r, c.peer);
    AddConnectionBuffers(lay, usage, r, rc, plan, &m);
    if (nvls_built) AddNvlsBuffers(v, n, plan, &m);
    if (usage.gather_root >= 0) AddGatherConnections(lay, usage.gather_root, r, plan, &m);
  }
  plan.nvls = nvls_built;
  AddNotes(spec, lay, &plan);
  return plan;
}

}  // namespace tpsim
