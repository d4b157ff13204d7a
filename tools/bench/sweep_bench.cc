// Sweep throughput (issue 7): a grid of 10,800 configurations of Qwen3-32B-AWQ on RTX 4090 (tp 1/2/4,
// 25 utilizations, 4 context lengths, 3 batched-token budgets, 3 sequence limits, eager on/off, two
// AWQ kernels) run on 1 and 2 worker threads. The target is 10,000 configurations in under 10 s on 2
// cores, i.e. at least 1,000 configurations per second (items_per_second) with jobs = 2.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "sim/model/model_config.h"
#include "sim/tune/sweep.h"

namespace tpsim {
namespace {

std::string ThroughputGrid() {
  std::string grid = "tp=1,2,4 gpu_memory_utilization=0.70";
  for (int u = 71; u < 95; ++u) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ",0.%02d", u);
    grid.append(buf);
  }
  grid.append(" max_model_len=4096,8192,16384,32768 max_num_batched_tokens=2048,4096,8192"
              " max_num_seqs=64,128,256 enforce_eager=0,1 quantization=awq,awq_marlin");
  return grid;
}

void BM_SweepThroughput(benchmark::State& state) {
  StatusOr<SweepGrid> grid = ParseGrid(ThroughputGrid());
  if (!grid.ok()) std::abort();
  StatusOr<std::unique_ptr<Sweep>> sweep = Sweep::Create(EngineArgs(), *grid, DefaultConfigsDir());
  if (!sweep.ok()) std::abort();
  const int jobs = static_cast<int>(state.range(0));
  std::int64_t ok = 0;
  for (auto _ : state) {
    StatusOr<std::vector<SweepRow>> rows = (*sweep)->RunAll(jobs);
    if (!rows.ok()) std::abort();
    ok = 0;
    for (const SweepRow& r : *rows) ok += r.outcome == "ok";
  }
  state.SetItemsProcessed(state.iterations() * (*sweep)->size());
  state.counters["configs"] = static_cast<double>((*sweep)->size());
  state.counters["started"] = static_cast<double>(ok);
}
BENCHMARK(BM_SweepThroughput)
    ->Arg(1)->Arg(2)
    ->ArgName("jobs")
    ->Iterations(1)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace tpsim
