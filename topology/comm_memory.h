// GPU memory that vLLM's tensor-parallel communication costs each rank, for what a vLLM release does
// with its communicators (CommFeatures, filled by the engine's release table), with when it appears
// relative to vLLM's memory snapshots (vllm_memory_mechanism.md §1.4, §7;
// nccl_cuda_overheads.md §1, §2.4).
//
// What a TP-only dense run holds per rank (vllm_memory_mechanism.md §7: one device communicator per
// rank, the TP group's; the world group has none):
//   * vLLM's PyNcclCommunicator of the TP group: its own ncclCommInitRank plus a one-element warm-up
//     all-reduce, both inside init_worker_distributed_environment (kDistributedInit). Under lazy
//     connect the warm-up builds the ring; NVLS buffers come with the first large all-reduce of the
//     profile run (kFirstCollective).
//   * torch.distributed's NCCL communicator of the TP device group, created by PyTorch at the first
//     collective vLLM routes through torch.distributed: the logits all-gather of the profile run
//     (DeviceCommunicatorBase.all_gather -> all_gather_into_tensor on the device group; V0 gathers to
//     rank 0 with torch.distributed.gather, i.e. send/recv). kFirstCollective. Absent where
//     CudaCommunicator.all_gather uses PyNccl (features.torch_comm_for_logits_gather false).
//   * custom all-reduce (TP in {2,4,6,8}, one node, P2P, and NVLink between all GPUs when TP > 2):
//     meta (2560 B signal + max_size, uncached) and the IPC buffer (max_size) via cudaMalloc, plus an
//     8 MiB torch tensor rank_data. Off otherwise, with vLLM's warning text.
//   * torch symmetric-memory all-reduce buffer (VLLM_ALLREDUCE_USE_SYMM_MEM, sm_90/sm_100): sm_90
//     64/32/64/64 MiB at TP 2/4/6/8, + signal pad, in 2 MiB granules.
//   * FlashInfer all-reduce + RMSNorm fusion workspace (where the release turns the pass on: sm_90/sm_100
//     at TP > 1 under torch.compile), allocated during compilation in the profile run; needs the
//     model's hidden size.
// Byte counts are device bytes (2 MiB granules where the allocator works in them); an entry with
// torch_allocated = true is a caching-allocator request (rank_data: an 8 MiB request that opens a
// 20 MiB segment) which the device model should replay through its allocator instead.
//
// Thread-safe; pure functions of the query.
#ifndef TPSIM_TOPOLOGY_COMM_MEMORY_H_
#define TPSIM_TOPOLOGY_COMM_MEMORY_H_

#include <optional>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/base/units.h"
#include "topology/comm_constants.h"
#include "topology/comm_features.h"
#include "topology/gpu_spec.h"
#include "topology/topology.h"

namespace tpsim {

enum class CommPhase {
  kDistributedInit,  // inside init_worker_distributed_environment (before or after vLLM's init
                     // snapshot: features.dist_init_in_non_torch_increase)
  kFirstCollective,  // created lazily at the first collective (profile run); lands in
                     // non_torch_increase in every version
};
std::string_view CommPhaseName(CommPhase p);  // "distributed_init", "first_collective"

struct CommAllocation {
  std::string label;
  Bytes bytes = 0;
  bool torch_allocated = false;  // true: a torch tensor through the caching allocator (custom all-reduce
                                 // rank_data 8 MiB); false: cudaMalloc/cuMem outside torch
  CommPhase phase = CommPhase::kDistributedInit;
  std::string source;
  std::string owner;  // "pynccl[tp]", "torch.distributed[tp]", "custom_all_reduce", "symm_mem", "flashinfer"
};

struct CommQuery {
  const GpuSpec* gpu = nullptr;
  const Topology* topology = nullptr;
  int tp = 1;
  int rank = 0;
  std::vector<int> gpu_of_rank;  // rank -> GPU index in topology (default identity)
  CommFeatures features;  // what the vLLM release does (REQUIRES features.nccl, or nccl_version given)
  bool disable_custom_all_reduce = false;
  std::string nccl_version;        // "" = the NCCL that release ships (features.nccl)
  std::optional<bool> nccl_cumem;  // nullopt = what that release does (features.nccl_cumem_default)
  // Additions beyond the design card:
  std::optional<bool> symm_mem;              // VLLM_ALLREDUCE_USE_SYMM_MEM; nullopt = that vLLM's default
  bool enforce_eager = false;                // no torch.compile: no FlashInfer fusion workspace
  int hidden_size = 0;                       // model hidden size; 0 = unknown (fusion workspace not modelled)
  int max_num_batched_tokens = 0;            // the profile run's token count; 0 = unknown
  int activation_bytes = 2;                  // bf16/fp16
  const CommConstants* constants = nullptr;  // nullptr = CommConstants{}
};

struct CommMemoryPlan {
  std::vector<CommAllocation> allocations;
  std::string nccl_version;
  bool cumem = false;
  bool lazy_connect = false;
  std::string transport;  // "P2P", "SHM", "NET", mixed "P2P+NET"...
  int coll_channels = 0, p2p_channels = 0;
  bool custom_all_reduce = false;
  std::string custom_all_reduce_reason;  // vLLM's warning text when off
  bool symm_mem = false;
  std::vector<std::string> notes;  // human sentences explaining each term
  // Additions:
  int p2p_channels_per_peer = 0;
  bool p2p_read = false;
  bool nvls = false;
  std::string tree_position;    // "head", "middle", "tail" or ""
  std::string symm_mem_reason;  // why the symmetric-memory all-reduce is off, in vLLM's words

  Bytes total(CommPhase phase) const;
  Bytes total() const;
  // Only the allocations outside torch's caching allocator (what vLLM's non-torch figure sees).
  Bytes non_torch(CommPhase phase) const;
};

// The plan of rank q.rank. tp == 1 -> empty plan (no communicator). Bad queries (tp < 1, rank out of
// range, more ranks than GPUs, a GPU index out of range or used twice, an unparsable nccl_version, no
// NCCL version at all) are InvalidArgument.
StatusOr<CommMemoryPlan> PlanCommMemory(const CommQuery& q);
// Every rank's plan, rank order (q.rank is ignored).
StatusOr<std::vector<CommMemoryPlan>> PlanCommMemoryAllRanks(const CommQuery& q);

// Whether an allocation of this phase is inside vLLM's logged non_torch_increase (and so charged to the
// KV budget): kFirstCollective always; kDistributedInit where the init snapshot precedes distributed init
// (features.dist_init_in_non_torch_increase), vllm_memory_mechanism.md §1.4.
bool CountedInNonTorchIncrease(CommPhase phase, const CommFeatures& features);

// CUDA context and lazy module growth (nccl_cuda_overheads.md §2.1, §2.3).
struct ContextMemory {
  Bytes at_init = 0;  // context + torch init, present before anything (GpuSpec::cuda_context_bytes)
  Bytes first_forward_growth = 0;  // lazily loaded kernels during the first forward (non-torch, lands in
                                   // non_torch_increase)
  Bytes nccl_code = 0;             // NCCL device code, loaded at the first ncclCommInitRank (tp > 1)
  std::vector<std::string> notes;
};
ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, const CommFeatures& features);
ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, const CommFeatures& features,
                                 const CommConstants& c);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_COMM_MEMORY_H_
