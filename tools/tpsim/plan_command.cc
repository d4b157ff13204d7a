// tpsim plan: vLLM's start-up replayed on every tensor-parallel rank (DESIGN §1, §6). Under mpirun each
// process is one rank; otherwise all ranks run as threads of this process. Both give identical numbers.
#include <cstdio>
#include <iostream>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "sim/report/plan_csv.h"
#include "sim/report/plan_report.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"
#include "tools/tpsim/timeline_output.h"

namespace tpsim::cli {

int RunPlan(const Args& args) {
  po::options_description desc("tpsim plan [flags] [-- vllm serve MODEL --vllm-flags...]");
  CommandOptions opts;
  opts.output = {.formats = {"text", "json", "csv"}, .json_flag = true, .timeline = true};
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, opts.output);
  ParsedCommand pc = ParseCommand("plan", args, desc, opts);
  if (pc.exit_code >= 0) return pc.exit_code;
  const OutputFlags& out = pc.out;
  TimelineOutput timeline("plan", IsCoordinator() ? out.timeline_dir : "");
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(pc.engine, pc.configs_dir);
  if (!cfg.ok()) return ReportError("plan", cfg.status());
  RunOptions run_options;
  run_options.record_timeline = !out.timeline_dir.empty();  // events cost time; only --timeline uses them
  StatusOr<PlanResult> result = RunDeployment(*cfg, run_options);
  if (!result.ok()) {
    // Every rank reaches the same verdict (RunRank agrees on failures); one line from the coordinator.
    return IsCoordinator() ? ReportError("plan", result.status()) : result.status().ExitCode();
  }
  if (!IsCoordinator()) return 0;
  if (Status t = timeline.Add(*result, /*per_size=*/false); !t.ok()) return ReportError("plan", t);
  if (Status t = timeline.Commit(); !t.ok()) return ReportError("plan", t);
  if (out.format == "json") {
    std::cout << PlanToJson(*result).dump(2) << "\n";
  } else if (out.format == "csv") {
    std::cout << PlanToCsv(*result);
  } else {
    std::cout << RenderPlanText(*result);
  }
  return 0;
}

}  // namespace tpsim::cli
