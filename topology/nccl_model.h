// GPU memory of one NCCL communicator on each of its ranks, derived from NCCL's source
// (nccl_cuda_overheads.md §1; sections cited in nccl_model.cc). Input: the GPUs of the ranks, the
// topology, the NCCL version, whether cuMem (NCCL_CUMEM_ENABLE) is on, and what the owner does with
// the communicator (a ring collective, a large all-reduce, a gather through send/recv). Output, per
// rank: each device allocation, whether it is made inside ncclCommInitRank or at the first use, and
// the layout facts behind it (transport per peer, channels, tree position, NVLS).
//
// The model in one paragraph: channels follow the ring search (a speed from NCCL's table not above the
// slowest ring hop, as many rings as the links carry, doubled by DupChannels when the speed is >= 25
// GB/s, doubled again by Postset). Each channel of a ring holds one receive and one send connection;
// a P2P receive buffer is 4 KiB + LL + LL128 + Simple rounded to 2 MiB (10 MiB), a send buffer 2 MiB
// (read mode on A100 NVLink: 6/6 MiB); SHM keeps them in host memory; NET keeps them on the GPU only
// with GPUDirect RDMA. The single-node tree is a chain in rank order: head +1 receive, middle +1
// receive +1 send, tail +1 send per channel. Eager connect (cuMem off, NCCL < 2.22, or
// NCCL_RUNTIME_CONNECT=0) builds ring + tree + NVLS + the NET-shared buffer (P x 16 x chunk) inside
// init; lazy connect builds channel structures at init (each a 2 MiB cuMem granule) and the ring at the
// first ring collective, NVLS at the first large all-reduce. Tree is not modelled in lazy mode (NCCL's
// tuner rarely picks it on one node; noted).
#ifndef TPSIM_TOPOLOGY_NCCL_MODEL_H_
#define TPSIM_TOPOLOGY_NCCL_MODEL_H_

#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/base/units.h"
#include "topology/comm_constants.h"
#include "topology/gpu_spec.h"
#include "topology/topology.h"
#include "topology/versions.h"

namespace tpsim {

enum class NcclTransport { kP2p, kShm, kNet };
std::string_view NcclTransportName(NcclTransport t);  // "P2P", "SHM", "NET"

struct NcclCommSpec {
  const GpuSpec* gpu = nullptr;
  const Topology* topology = nullptr;
  std::vector<int> gpus;  // GPU index (in topology) of each rank, size = communicator size
  NcclVersion version{2, 27, 5};
  bool cumem_requested = true;               // NCCL_CUMEM_ENABLE not forced to 0
  bool runtime_connect = true;               // NCCL_RUNTIME_CONNECT (default 1)
  const CommConstants* constants = nullptr;  // nullptr = CommConstants{}
};

// What the owner of the communicator does with it before the moment being modelled.
struct NcclUsage {
  bool ring_collective = true;    // a collective that runs Ring (all-gather, small all-reduce)
  bool large_all_reduce = false;  // an all-reduce large enough that NCCL picks NVLS where it can
  int gather_root = -1;           // a gather built from send/recv to this rank (torch's gather); -1 none
};

// When NCCL makes an allocation.
enum class NcclStage {
  kCreation,             // inside ncclCommInitRank
  kFirstRingCollective,  // lazy connect: the first collective that runs Ring
  kFirstLargeAllReduce,  // lazy connect: the first all-reduce for which the tuner picks NVLS
  kFirstSendRecv,        // the first send/recv to a peer (p2p connections are always made on demand)
};

struct NcclAllocation {
  std::string label;
  Bytes bytes = 0;
  NcclStage stage = NcclStage::kCreation;
  std::string source;
};

struct NcclRankMemory {
  std::vector<NcclAllocation> allocations;
  std::string transport;      // transports to its ring/tree peers: "P2P", "SHM", "NET", "P2P+NET", ...
  std::string tree_position;  // "head", "middle", "tail" in the chain; "" when the tree adds nothing
  Bytes total() const;
  Bytes at_stage(NcclStage stage) const;
};

struct NcclCommPlan {
  NcclVersion version;
  bool cumem = false;         // cuMem allocations in effect (requested and supported)
  bool lazy_connect = false;  // runtime connect in effect
  int coll_channels = 0, p2p_channels = 0, p2p_channels_per_peer = 0;
  Bytes p2p_chunk_bytes = 0;
  bool p2p_read = false;        // some P2P connection uses read mode
  bool nvls = false;            // NVLS buffers set up (eager) or set up at the first large all-reduce
  double ring_bw_gb_per_s = 0;  // NCCL's bandwidth of the slowest ring hop
  std::vector<NcclRankMemory> ranks;
  std::vector<std::string> notes;
};

StatusOr<NcclCommPlan> PlanNcclComm(const NcclCommSpec& spec, const NcclUsage& usage);

// NCCL's view of the bandwidth between two GPUs (GB/s): NVLink links x NCCL's per-link figure for the
// architecture (src/graph/topo.h SM80 20, SM86 12, SM90 20.6, SM100 40.1), PCIe lanes x gen / 80
// (src/graph/topo.cc kvDictPciGen: Gen4 x16 = 24), SYS capped by the inter-CPU link, NET 12.
double NcclPathBandwidth(const Topology& t, const GpuSpec& gpu, int a, int b);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_NCCL_MODEL_H_
