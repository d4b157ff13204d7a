// CommFeatures: what one vLLM release does with its communication layer, as the communication model
// (comm_memory.h) needs it. The engine's release table fills it for a release and a card
// (sim/engine/release_table.h CommFeaturesFor); topology never sees a vLLM version, so a release whose
// communicators behave differently is a new set of features, not a new comparison here.
#ifndef TPSIM_TOPOLOGY_COMM_FEATURES_H_
#define TPSIM_TOPOLOGY_COMM_FEATURES_H_

#include <string>

#include "topology/versions.h"

namespace tpsim {

struct CommFeatures {
  // The release, as printed ("0.19.0"): named in notes and in vLLM's own messages only.
  std::string vllm_release;
  // The V0 worker runs (V0 era, or the V1 oracle's fallback on compute capability < 8.0): it gathers
  // the logits to rank 0 with torch.distributed.gather (send/recv) instead of an all-gather.
  bool v0_engine = false;
  // NCCL_CUMEM_ENABLE left to NCCL; false where vLLM forces it to 0 (PR #5091 until PR #24141).
  bool nccl_cumem_default = true;
  // The SymmMemCommunicator exists (PR #20759), and whether VLLM_ALLREDUCE_USE_SYMM_MEM defaults on.
  bool symm_mem_available = false;
  bool symm_mem_default = false;
  // The FlashInfer all-reduce + RMSNorm fusion pass is on by default (TP > 1, sm_90/sm_100, compiled).
  bool flashinfer_allreduce_fusion = false;
  // The logits all-gather (V0: gather) goes through torch.distributed's own NCCL communicator of the TP
  // device group, which PyTorch creates at that first call.
  bool torch_comm_for_logits_gather = true;
  // vLLM's init snapshot precedes distributed init, so what distributed init allocates outside torch
  // lands in the logged non-torch increase (before PR #25359).
  bool dist_init_in_non_torch_increase = false;
  // The release's logs on sm_90 show more non-torch increase at TP >= 2 than the model explains
  // (calibration C038/C039): a note is added.
  bool unexplained_tp_non_torch_on_sm90 = false;
  // The NCCL that the release's torch pin ships, and that pin. nccl.major == 0: unknown (a query must
  // then name its NCCL version).
  NcclVersion nccl;
  std::string torch;
};

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_COMM_FEATURES_H_
