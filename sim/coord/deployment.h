// Running a deployment: every rank replays its start-up (StartupRun), the cross-rank rules go through a
// ProcessGroup for real (num_blocks = the minimum over ranks), and rank 0, the coordinator, gathers every
// rank's report into a PlanResult. RunRank is the same code for in-process threads and for mpirun's
// processes; RunDeploymentInProcess starts tp threads over an InProcessHub.
#ifndef TPSIM_SIM_COORD_DEPLOYMENT_H_
#define TPSIM_SIM_COORD_DEPLOYMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/comm/process_group.h"
#include "sim/engine/resolved_config.h"
#include "sim/engine/startup.h"
#include "sim/rank/rank_report.h"

namespace tpsim {

struct PlanResult {
  ResolvedConfig cfg;
  std::string policy;
  bool ok = true;
  ErrorKind error_kind = ErrorKind::kNone;
  std::string error_message;  // vLLM's words
  int error_rank = -1;
  std::int64_t num_blocks = 0;
  Bytes page_bytes_per_layer = 0;
  std::int64_t kv_tokens = 0;
  double max_concurrency = 0;
  Bytes available_kv = 0;     // the minimum over ranks
  std::vector<RankReport> ranks;
};

// How each rank's start-up is replayed (startup.h); the defaults are what `tpsim plan` needs.
using RunOptions = StartupOptions;

// One rank's part. REQUIRES: pg.size() == cfg.tp. Every rank returns; only rank 0's result holds the
// gathered ranks (others return their own report only). InvalidArgument for splits vLLM refuses;
// Internal for a control-plane failure.
StatusOr<PlanResult> RunRank(const ResolvedConfig& cfg, ProcessGroup& pg,
                             const RunOptions& options = RunOptions());

// All ranks in this process, one thread each.
StatusOr<PlanResult> RunDeploymentInProcess(const ResolvedConfig& cfg,
                                            const RunOptions& options = RunOptions());

}  // namespace tpsim

#endif  // TPSIM_SIM_COORD_DEPLOYMENT_H_
