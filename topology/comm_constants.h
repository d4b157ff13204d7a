// The tunable numbers of the communication-memory model: NCCL's per-connection buffer sizes (NCCL's
// environment variables change them) and the calibrated CUDA-context figures. CommConstants{} holds
// the defaults with their sources; configs/nccl.json mirrors them so a user can edit one file, and
// LoadCommConstants reads it (a field missing from the file keeps its default). Numbers derived from
// NCCL's/vLLM's source code that no setting changes (alignments, channel tables, vLLM buffer tables)
// stay as constants in nccl_model.cc/comm_memory.cc, each with its source. Which NCCL each vLLM
// release runs with is in the same file ("nccl_by_vllm") but belongs to the engine's release table
// (sim/engine/release_table.h), which reads it; this parser skips it.
#ifndef TPSIM_TOPOLOGY_COMM_CONSTANTS_H_
#define TPSIM_TOPOLOGY_COMM_CONSTANTS_H_

#include <map>
#include <string>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim {

struct CommConstants {
  // NCCL per-connection buffers, bytes (NVIDIA/nccl src/init.cc DEFAULT_LL_BUFFSIZE = 8 lines x 512
  // threads x 8 steps x 16 B, DEFAULT_LL128_BUFFSIZE = 120 x 640 x 8 x 8 B, DEFAULT_BUFFSIZE 4 MiB;
  // env NCCL_LL_BUFFSIZE, NCCL_LL128_BUFFSIZE, NCCL_BUFFSIZE).
  Bytes nccl_ll_buffsize = 524288;
  Bytes nccl_ll128_buffsize = 4915200;
  Bytes nccl_simple_buffsize = 4194304;
  // Cap on channels (env NCCL_MAX_NCHANNELS); 0 = NCCL's MAXCHANNELS for the version.
  int nccl_max_nchannels = 0;

  // CUDA context + torch initialisation of a worker before anything is allocated, used when the GPU
  // file has no cuda_context_bytes. nccl_cuda_overheads.md §2.1: 0.3-0.5 GiB with lazy loading
  // (pytorch#107667, #109888); the upper end is taken so a fit verdict errs on the safe side.
  Bytes default_cuda_context_bytes = 512 * kMiB;
  // Kernels and library code loaded lazily during the first forward (profile run): vLLM 0.19 on
  // H100 logs a non-torch increase of 0.24-0.26 GiB at TP1 for 7-24B models (llm-d-planner v0.19.0
  // logs; nccl_cuda_overheads.md §2.1, calibration rows C045 and neighbours). 0.25 GiB.
  Bytes first_forward_growth_bytes = 268435456;
  // NCCL device code loaded into the context at the first ncclCommInitRank (ncclInitKernelsForDevice
  // touches every kernel, nccl_cuda_overheads.md §2.3), by the SASS architecture that runs on the card
  // (sm_86/sm_89 run the sm_80 cubins). Sum of the ELF images per architecture in the fatbin of
  // libnccl.so.2 2.28.9+cuda13.0 (CUDA 13.0 toolkit on the build machine), an upper estimate of the
  // resident code; not measured on a GPU.
  std::map<int, Bytes> nccl_device_code_bytes_by_sm = {{75, 15073560},  {80, 15184992},  {90, 28906232},
                                                       {100, 34957944}, {110, 34985360}, {120, 29778736}};

  friend bool operator==(const CommConstants&, const CommConstants&) = default;
};

// configs_dir/nccl.json over the defaults. A missing file is NotFound; a malformed one InvalidArgument.
StatusOr<CommConstants> LoadCommConstants(const std::string& configs_dir);
StatusOr<CommConstants> ParseCommConstants(const std::string& json_text, const std::string& what);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_COMM_CONSTANTS_H_
