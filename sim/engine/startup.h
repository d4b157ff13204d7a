// StartupRun: one rank's vLLM start-up replayed as a program of phases on a Device (DESIGN §2):
//   init_device (CUDA context, distributed init: NCCL / custom all-reduce / symmetric memory, init
//   snapshot, requested-memory check) -> model runner buffers -> load_model (weights in load order) ->
//   profile_run (dummy forward, sampler, lazily created NCCL buffers and kernels, v0.18+ CUDA-graph
//   estimate) -> KV sizing   [cross-rank minimum of num_blocks]   -> KV tensors (one per layer) ->
//   CUDA-graph capture (skipped by enforce_eager) -> sampler warm-up.
// Stage1 runs up to KV sizing, Stage2 after the cross-rank minimum. A failed allocation is an "oom"
// verdict in the report, never a crash.
//
// On a real GPU (`tpsim measure`, a CudaDevice) the driver and NCCL create the CUDA context, NCCL's
// device code and buffers, lazily loaded kernels and CUDA-graph objects themselves. A run given
// StartupHooks therefore books none of those as raw allocations and calls the hook at the point where
// they arise; every torch allocation (weights, activations, KV, graph pools, torch-allocated
// communication buffers) goes through the caching allocator either way.
#ifndef TPSIM_SIM_ENGINE_STARTUP_H_
#define TPSIM_SIM_ENGINE_STARTUP_H_

#include <memory>

#include "sim/device/device.h"
#include "sim/engine/resolved_config.h"
#include "sim/engine/vllm_policy.h"
#include "sim/rank/rank_machine.h"
#include "sim/rank/rank_report.h"
#include "sim/shard/shard_plan.h"
#include "sim/shard/shard_plan_cache.h"
#include "topology/comm_memory.h"

namespace tpsim {

// What a real device does for itself where the simulation books memory. Each hook's error aborts the
// run (a ResourceExhausted one becomes the "oom" verdict).
class StartupHooks {
 public:
  virtual ~StartupHooks() = default;
  // init_device, where the communicators are created (NCCL init and the warm-up all-reduce).
  virtual Status InitDistributed() = 0;
  // profile_run, after the dummy forward's tensors: real kernels and the first collectives.
  virtual Status ProfileForward() = 0;
  // cudagraph_capture, after the graph pool: capture `graphs` graphs.
  virtual Status CaptureGraphs(std::int64_t graphs) = 0;
};

// How a start-up is replayed; the defaults are what `tpsim plan` needs. Neither option changes a
// number or a verdict.
struct StartupOptions {
  // false: the report's timeline keeps its phases but no events (see RankMachine). Tune and sweep,
  // which run thousands of plans and draw no timelines, turn it off.
  bool record_timeline = true;
  // Where to take the rank's shard plan from (null: build it); see shard_plan_cache.h for the contract.
  ShardPlanCache* shard_plans = nullptr;
};

class StartupRun {
 public:
  // REQUIRES: device (and hooks, when given) outlive the run; rank in [0, cfg.tp). hooks == nullptr:
  // a simulated device that books driver and library memory itself.
  StartupRun(const ResolvedConfig& cfg, int rank, Device* device, StartupHooks* hooks = nullptr);
  // REQUIRES: as above; options.shard_plans, when set, outlives the run.
  StartupRun(const ResolvedConfig& cfg, int rank, Device* device, const StartupOptions& options,
             StartupHooks* hooks = nullptr);

  // Up to KV sizing. Returns InvalidArgument for splits vLLM refuses; memory verdicts are recorded in
  // report() (error_kind) and return OK.
  Status Stage1();
  // KV tensors with `num_blocks` (the cross-rank minimum), graphs and warm-up. No-op after a verdict.
  Status Stage2(std::int64_t num_blocks);

  bool failed() const { return report_.error_kind != ErrorKind::kNone; }
  std::int64_t local_num_blocks() const { return report_.num_blocks_local; }
  Bytes local_available_kv() const { return report_.available_kv; }
  RankReport TakeReport();

 private:
  Status Verdict(const Status& s);  // records an OOM verdict; passes other errors through
  Status InitDevice();
  Status LoadModel();
  Status ProfileRun();
  Status CaptureCudaGraphs();
  Status SamplerWarmup();
  Bytes CudaGraphPoolBytes() const;

  const ResolvedConfig& cfg_;
  int rank_;
  StartupHooks* hooks_;  // null: book driver/library memory (simulation)
  const VllmPolicy* policy_;  // the era's (PolicyFor)
  StartupOptions options_;
  std::shared_ptr<const ShardPlan> plan_;
  RankMachine m_;
  RankReport report_;
  ProfileReadings readings_;
  std::vector<BlockHandle> persistent_;  // cuBLAS workspace, runner buffers, KV
  std::vector<BlockHandle> weight_handles_;
  CommMemoryPlan comm_;
  Bytes peak_used_ = 0;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_STARTUP_H_
