// What communication costs in device memory on each tensor-parallel rank, and when it appears
// (research/nccl_cuda_overheads.md §1, §2; research/vllm_memory_mechanism.md §7). A TP-only vLLM run
// holds one device communicator per rank (the TP group's PyNcclCommunicator, vllm note §7), plus vLLM's
// custom all-reduce and symmetric-memory buffers when their conditions hold. The version policies of
// `tpsim plan` place each allocation before or after their init snapshot by its CommPhase.
#ifndef TPSIM_TOPOLOGY_COMM_MEMORY_H_
#define TPSIM_TOPOLOGY_COMM_MEMORY_H_

#include <optional>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/engine/vllm_version.h"
#include "topology/gpu_spec.h"
#include "topology/topology.h"

namespace tpsim {

enum class CommPhase {
  kDistributedInit,  // inside init_worker_distributed_environment (incl. the pynccl warm-up all-reduce)
  kFirstCollective,  // created lazily at the first collective of the profile run
};

struct CommAllocation {
  std::string label;
  Bytes bytes = 0;
  bool torch_allocated = false;  // a torch tensor (caching allocator) rather than cudaMalloc/cuMem
  CommPhase phase = CommPhase::kDistributedInit;
  std::string source;
};

struct CommQuery {
  const GpuSpec* gpu = nullptr;
  const Topology* topology = nullptr;
  int tp = 1;
  int rank = 0;
  std::vector<int> gpu_of_rank;  // rank -> GPU index (default identity)
  VllmVersion vllm;
  bool disable_custom_all_reduce = false;
  std::string nccl_version;        // "" = the NCCL that ships with that vLLM
  std::optional<bool> nccl_cumem;  // nullopt = what that vLLM does
};

struct CommMemoryPlan {
  std::vector<CommAllocation> allocations;
  std::string nccl_version;
  bool cumem = false;
  bool lazy_connect = false;
  std::string transport;  // "P2P", "SHM", "NET", or a mix
  int coll_channels = 0, p2p_channels = 0;
  bool custom_all_reduce = false;
  std::string custom_all_reduce_reason;  // vLLM's warning when off
  bool symm_mem = false;
  std::vector<std::string> notes;
  Bytes total(CommPhase phase) const;
  Bytes total() const;
};

// tp == 1 -> an empty plan. InvalidArgument for a query whose ranks do not fit the topology.
StatusOr<CommMemoryPlan> PlanCommMemory(const CommQuery& q);

struct ContextMemory {
  Bytes at_init = 0;               // context + torch init (GpuSpec::cuda_context_bytes)
  Bytes first_forward_growth = 0;  // lazily loaded kernels during the first forward (non-torch)
  Bytes nccl_code = 0;             // NCCL device code loaded by the first communicator
  std::vector<std::string> notes;
};
ContextMemory ModelContextMemory(const GpuSpec& gpu, int tp, VllmVersion v);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_COMM_MEMORY_H_
