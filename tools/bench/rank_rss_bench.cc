// Peak resident memory of one rank process (issue 7; target < 50 MB): a fresh process (this binary
// re-executed, so that nothing of the benchmark's own heap is counted) loads Qwen3-32B-AWQ and the
// RTX 4090, resolves a tp-N deployment at max_model_len 32768 and runs rank 0 exactly as one process
// of `mpirun -np N tpsim plan` does (timeline recorded, every rank's report gathered at rank 0), then
// reads getrusage's ru_maxrss. The other ranks are played by a process group whose peers mirror this
// rank (identical ranks of a dense model give identical reports), so no MPI is needed.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/comm/process_group.h"
#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"

namespace tpsim {
namespace {

constexpr char kChildEnv[] = "TPSIM_BENCH_RANK_RSS_TP";

// Rank 0 of a group of `size` whose other members behave exactly like it.
class MirrorGroup final : public ProcessGroup {
 public:
  explicit MirrorGroup(int size) : size_(size) {}
  int rank() const override { return 0; }
  int size() const override { return size_; }
  Status Barrier() override { return Status::Ok(); }
  StatusOr<std::int64_t> AllReduceMin(std::int64_t v) override { return v; }
  StatusOr<std::int64_t> AllReduceMax(std::int64_t v) override { return v; }
  StatusOr<std::vector<std::string>> Gather(const std::string& payload) override {
    return std::vector<std::string>(static_cast<std::size_t>(size_), payload);
  }
  StatusOr<std::string> Broadcast(const std::string& payload) override { return payload; }

 private:
  int size_;
};

// The child: runs before main() when the environment says so, prints ru_maxrss (KiB) and exits.
bool RunChildIfAsked() {
  const char* tp_text = std::getenv(kChildEnv);
  if (tp_text == nullptr) return false;
  EngineArgs args;
  args.tensor_parallel_size = std::atoi(tp_text);
  args.max_model_len = 32768;
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(args, DefaultConfigsDir());
  if (!cfg.ok()) std::_Exit(3);
  MirrorGroup group(cfg->tp);
  StatusOr<PlanResult> r = RunRank(*cfg, group);
  if (!r.ok() || r->ranks.size() != static_cast<std::size_t>(cfg->tp)) std::_Exit(4);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%ld\n", usage.ru_maxrss);
  std::fflush(stdout);
  std::_Exit(0);
}
const bool kIsChild = RunChildIfAsked();

void BM_PeakRssOneRankProcess(benchmark::State& state) {
  char self[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) std::abort();
  const std::string cmd =
      std::string(kChildEnv) + "=" + std::to_string(state.range(0)) + " '" + std::string(self, n) + "'";
  long kib = 0;
  for (auto _ : state) {
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr || std::fscanf(p, "%ld", &kib) != 1) std::abort();
    if (pclose(p) != 0) std::abort();
  }
  state.counters["peak_rss_MB"] = static_cast<double>(kib) / 1024.0;
}
BENCHMARK(BM_PeakRssOneRankProcess)->Arg(1)->Arg(4)->Arg(8)->ArgName("tp")->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tpsim
