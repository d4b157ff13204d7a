// tpsim plan: vLLM's start-up replayed on every tensor-parallel rank (DESIGN §1, §6). Under mpirun each
// process is one rank; otherwise all ranks run as threads of this process. Both give identical numbers.
#include <cstdio>
#include <iostream>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "sim/report/plan_report.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"

namespace tpsim::cli {

int RunPlan(const Args& args) {
  po::options_description desc("tpsim plan [flags] [-- vllm serve MODEL --vllm-flags...]");
  AddEngineFlags(&desc);
  AddOutputFlags(&desc);
  po::variables_map vm;
  Status s = ParseFlags(args, desc, nullptr, &vm);
  if (!s.ok()) return ReportError("plan", s);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  StatusOr<EngineArgs> ea = EngineArgsFromFlags(vm);
  if (!ea.ok()) return ReportError("plan", ea.status());
  const OutputFlags out = OutputFromFlags(vm);
  const std::string configs = out.configs_dir.empty() ? DefaultConfigsDir() : out.configs_dir;
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(*ea, configs);
  if (!cfg.ok()) return ReportError("plan", cfg.status());
  StatusOr<PlanResult> result = RunDeployment(*cfg);
  if (!result.ok()) return ReportError("plan", result.status());
  if (!IsCoordinator()) return 0;
  if (!out.timeline_dir.empty()) {
    Status t = WriteTimelines(*result, out.timeline_dir);
    if (!t.ok()) return ReportError("plan", t);
  }
  if (out.format == "json") {
    std::cout << PlanToJson(*result).dump(2) << "\n";
  } else {
    std::cout << RenderPlanText(*result);
  }
  return 0;
}

}  // namespace tpsim::cli
