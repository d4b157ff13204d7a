// Benchmarks of the forward simulation (issue 7): the caching-allocator replay of one rank's weights
// (Qwen3-32B-AWQ, tp 4) and one in-process plan (all ranks as threads) at tp 1/2/4/8. The model and the
// GPU are loaded once, outside the timed loop, as tune and sweep do. Report CPU time: the target is
// under 2 ms per plan (README "Benchmarks").
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "sim/coord/deployment.h"
#include "sim/device/caching_allocator.h"
#include "sim/device/sim_device.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "sim/shard/shard_plan.h"
#include "sim/shard/shard_plan_cache.h"
#include "sim/shard/weight_replay.h"
#include "topology/gpu_spec.h"

namespace tpsim {
namespace {

// The bundled Qwen3-32B-AWQ on an RTX 4090 at max_model_len 32768; aborts when configs/ is missing
// (a benchmark has no way to report an error but to stop).
ResolvedConfig Qwen3_32B_Awq(int tp) {
  const std::string configs = DefaultConfigsDir();
  StatusOr<ModelConfig> model = LoadModelConfig("Qwen/Qwen3-32B-AWQ", configs);
  StatusOr<GpuSpec> gpu = LoadGpuSpec("rtx4090", configs);
  if (!model.ok() || !gpu.ok()) std::abort();
  EngineArgs args;
  args.tensor_parallel_size = tp;
  args.max_model_len = 32768;
  StatusOr<ResolvedConfig> cfg = ResolveWithModel(args, *model, *gpu, configs);
  if (!cfg.ok()) std::abort();
  return *cfg;
}

void BM_WeightReplayQwen3_32B_Awq_Tp4(benchmark::State& state) {
  const ResolvedConfig cfg = Qwen3_32B_Awq(4);
  ShardOptions opt;
  opt.tp = 4;
  opt.model_dtype = cfg.dtype;
  opt.linear = cfg.linear;
  opt.sm_count = cfg.gpu.sm_count;
  StatusOr<ShardPlan> plan = BuildShardPlan(cfg.model, opt);
  if (!plan.ok()) std::abort();
  std::int64_t tensors = 0;
  for (auto _ : state) {
    SimDevice dev("sim", cfg.gpu.total_memory_bytes);
    CachingAllocator alloc(&dev);
    StatusOr<LoadedWeights> loaded = ReplayWeightLoad(*plan, &alloc);
    if (!loaded.ok()) std::abort();
    tensors = static_cast<std::int64_t>(loaded->live.size());
    benchmark::DoNotOptimize(loaded->allocated_increase);
  }
  state.counters["live_tensors"] = static_cast<double>(tensors);
}
BENCHMARK(BM_WeightReplayQwen3_32B_Awq_Tp4)->Unit(benchmark::kMicrosecond);

// CPU time is that of the benchmark's thread only; the ranks run on their own threads, so wall time
// (UseRealTime) is what one plan costs end to end, and process CPU time is measured as well.
// Second argument: 0 is how `tpsim plan` runs (every rank records its timeline events and builds its
// shard plan), 1 how tune and sweep run (no events, shard plans from a ShardPlanCache).
void BM_PlanInProcessQwen3_32B_Awq(benchmark::State& state) {
  const ResolvedConfig cfg = Qwen3_32B_Awq(static_cast<int>(state.range(0)));
  ShardPlanCache plans;
  RunOptions options;
  if (state.range(1) != 0) {
    options.record_timeline = false;
    options.shard_plans = &plans;
  }
  for (auto _ : state) {
    StatusOr<PlanResult> r = RunDeploymentInProcess(cfg, options);
    if (!r.ok()) std::abort();
    benchmark::DoNotOptimize(r->num_blocks);
  }
}
BENCHMARK(BM_PlanInProcessQwen3_32B_Awq)
    ->ArgsProduct({{1, 2, 4, 8}, {0, 1}})
    ->ArgNames({"tp", "fast"})
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tpsim
