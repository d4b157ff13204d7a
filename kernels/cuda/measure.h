// `tpsim measure`: one rank's vLLM start-up program (StartupRun, the same one `tpsim plan` replays on a
// SimDevice) run for real on a GPU. The caching-allocator replay sits on a CudaDevice, so every
// segment is cudaMalloc'ed (and filled with random data: the weights of the real shapes); the hooks do
// what the driver and NCCL do on a real start-up: a real NCCL communicator at init (tp > 1), the
// decoder layer's kernels in the profile run (their first launches load modules), CUDA graphs of that
// layer captured and instantiated at capture time; and the first real all-reduce once every rank
// has passed the profile run. cudaMemGetInfo is read at every event of the rank's timeline and around
// each of these steps. Plain C++ (no CUDA header).
//
// MeasureDeployment is called by every rank of the ProcessGroup (one process per GPU under mpirun, or a
// group of one). The cross-rank rules go through the group as in RunRank (num_blocks = the minimum).
#ifndef TPSIM_KERNELS_CUDA_MEASURE_H_
#define TPSIM_KERNELS_CUDA_MEASURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/comm/process_group.h"
#include "sim/engine/resolved_config.h"
#include "sim/rank/rank_report.h"

namespace tpsim {

struct MeasureOptions {
  int device_ordinal = 0;         // this rank's GPU (the local rank under mpirun)
  std::uint64_t seed = 1;         // random weights and inputs
  bool run_layer = true;          // the decoder layer's kernels in the profile run
  bool capture_graphs = true;     // CUDA graphs of the layer at capture time
  std::int64_t layer_seqs = 64;   // decode batch of the profile-run layer (capped by max_num_seqs)
  std::int64_t layer_context = 512;  // tokens per sequence in its KV pool (capped by max_model_len)
};

// What one rank measured. Bytes are device memory as cudaMemGetInfo reports it (total - free).
struct MeasuredRank {
  int rank = 0;
  int device = 0;
  std::string device_name;
  int compute_capability = 0;
  Bytes total = 0;
  Bytes context = 0;           // used once the CUDA context exists, before anything else
  Bytes nccl_init = 0;         // NCCL communicator init + warm-up all-reduce (tp > 1)
  Bytes first_collective = 0;  // growth at the first all-reduce of the model's hidden size (tp > 1)
  Bytes kernel_load = 0;       // growth at the layer's first launches (lazily loaded modules)
  bool layer_ran = false;
  std::int64_t layer_seqs = 0;
  std::int64_t layer_context = 0;
  int layer_kernels = 0;       // kernel launches per decode step (all-reduces not counted)
  Bytes layer_buffers = 0;     // the layer's own buffers (freed after the run)
  double layer_step_ms = 0;    // one decode step, the second one, timed with CUDA events
  double layer_output_max_abs = 0;
  std::int64_t graphs = 0;       // captured and instantiated
  std::int64_t graph_nodes = 0;  // kernel nodes over all graphs
  Bytes graph_objects = 0;     // growth that stays after capture (the layer's buffers freed)
  std::string nccl_version;
  std::int64_t num_blocks = 0;  // KV blocks per layer after the cross-rank minimum (0 if none)
  ErrorKind error_kind = ErrorKind::kNone;  // or this rank's verdict, or the deployment's KV one
  std::string error_message;
  std::vector<std::string> notes;  // steps skipped and why
  RankReport report;           // the real run: its timeline's device_used are cudaMemGetInfo readings
};

std::string MeasuredRankToJson(const MeasuredRank& m);
StatusOr<MeasuredRank> MeasuredRankFromJson(const std::string& text);

// Runs this rank's start-up for real (see the file comment). Rank 0 returns every rank's measurement in
// rank order; the other ranks return their own. InvalidArgument for configurations vLLM refuses and
// for pg.size() != cfg.tp; Unavailable when the GPU cannot be opened; Internal for CUDA/NCCL failures.
// A memory verdict (out of memory, KV cache too small) is recorded in the report, not an error.
StatusOr<std::vector<MeasuredRank>> MeasureDeployment(const ResolvedConfig& cfg, ProcessGroup& pg,
                                                      const MeasureOptions& options);

}  // namespace tpsim

#endif  // TPSIM_KERNELS_CUDA_MEASURE_H_
