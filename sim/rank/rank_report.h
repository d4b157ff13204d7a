// RankReport: what one rank's replayed start-up produced — the numbers vLLM of that version would log
// for the rank, what nvidia-smi would show, its vLLM-style log lines and its timeline. Reports travel
// from every rank to the coordinator as JSON (ToJson/FromJson round-trip exactly).
#ifndef TPSIM_SIM_RANK_RANK_REPORT_H_
#define TPSIM_SIM_RANK_RANK_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/error_kind.h"
#include "sim/base/status_or.h"
#include "sim/rank/timeline.h"

namespace tpsim {

struct RankReport {
  int rank = 0;
  std::string gpu;
  Bytes total = 0;
  Bytes requested = 0;          // ceil(total x gpu_memory_utilization)
  Bytes init_free = 0;          // free at vLLM's init snapshot
  Bytes cuda_context = 0;
  Bytes nccl = 0;               // NCCL and symmetric-memory buffers (device)
  Bytes custom_allreduce = 0;
  Bytes runner_buffers = 0;
  Bytes weights = 0;            // "Model loading took"
  Bytes activation_peak = 0;    // torch peak increase of the profile run
  Bytes non_torch = 0;          // non-torch memory as that version logs it
  Bytes cudagraph_estimate = 0; // v0.18+: "Estimated CUDA graph memory"
  Bytes available_kv = 0;       // "Available KV cache memory" of this rank
  std::int64_t num_blocks_local = 0;
  Bytes kv_cache = 0;           // bytes of the KV tensors after the cross-rank minimum
  Bytes cudagraph = 0;          // "Graph capturing finished ... took"
  Bytes peak_used = 0;          // device used at its highest
  Bytes final_used = 0;         // device used once the server is up (nvidia-smi's process figure)
  std::string transport;        // NCCL transport to the ring neighbour ("" at tp 1)
  bool custom_allreduce_on = false;
  std::string custom_allreduce_note;  // vLLM's warning when custom all-reduce is off
  ErrorKind error_kind = ErrorKind::kNone;  // or kKvCacheTooSmall / kNoKvMemory / kOom / kInsufficientFreeMemory
  std::string error_message;
  std::vector<std::string> log;
  Timeline timeline;
};

std::string RankReportToJson(const RankReport& r);
StatusOr<RankReport> RankReportFromJson(const std::string& text);

}  // namespace tpsim

#endif  // TPSIM_SIM_RANK_RANK_REPORT_H_
