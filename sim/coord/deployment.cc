#include "sim/coord/deployment.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <thread>

#include "sim/device/sim_device.h"
#include "sim/engine/kv_cache.h"
#include "sim/engine/startup.h"
#include "sim/engine/vllm_policy.h"

namespace tpsim {

namespace {

// This process's host name: $TPSIM_HOST when set (tests place ranks on "hosts" of one machine), else
// gethostname().
std::string HostName() {
  if (const char* h = std::getenv("TPSIM_HOST"); h != nullptr && *h != '\0') return h;
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

// Every rank learns every rank's host; ranks on different hosts are joined by the network.
StatusOr<Topology> PlaceRanksOnHosts(const ResolvedConfig& cfg, ProcessGroup& pg, bool in_process) {
  Topology t = cfg.topology;
  if (in_process) return t;
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> hosts, pg.Gather(HostName()));
  std::string joined;
  for (const std::string& h : hosts) joined += h + "\n";
  TPSIM_ASSIGN_OR_RETURN(joined, pg.Broadcast(joined));
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < joined.size()) {
    const std::size_t end = joined.find('\n', pos);
    names.push_back(joined.substr(pos, end - pos));
    pos = end + 1;
  }
  std::vector<std::string> distinct;
  for (int r = 0; r < cfg.tp && r < static_cast<int>(names.size()); ++r) {
    auto it = std::find(distinct.begin(), distinct.end(), names[r]);
    const int id = static_cast<int>(it - distinct.begin());
    if (it == distinct.end()) distinct.push_back(names[r]);
    t.host_of_gpu[r] = id;
  }
  if (distinct.size() > 1) {
    for (int a = 0; a < cfg.tp; ++a) {
      for (int b = 0; b < cfg.tp; ++b) {
        if (t.host_of_gpu[a] != t.host_of_gpu[b]) t.link[a][b] = LinkKind::kNet;
      }
    }
    t.name += " across " + std::to_string(distinct.size()) + " hosts";
  }
  return t;
}

StatusOr<PlanResult> RunRankImpl(const ResolvedConfig& cfg_in, ProcessGroup& pg, bool in_process,
                                 const RunOptions& options) {
  const int rank = pg.rank();
  if (pg.size() != cfg_in.tp) {
    return Status::InvalidArgument("world size " + std::to_string(pg.size()) +
                                   " does not equal --tensor-parallel-size " +
                                   std::to_string(cfg_in.tp) + " (launch with mpirun -np " +
                                   std::to_string(cfg_in.tp) + ")");
  }
  ResolvedConfig cfg = cfg_in;
  TPSIM_ASSIGN_OR_RETURN(cfg.topology, PlaceRanksOnHosts(cfg_in, pg, in_process));
  SimDevice device("sim:" + cfg.gpu.key + ":" + std::to_string(rank), cfg.gpu.total_memory_bytes);
  StartupRun run(cfg, rank, &device, options);
  Status s1 = run.Stage1();
  // Agree on failures before any rank proceeds, so that no rank waits on one that stopped.
  TPSIM_ASSIGN_OR_RETURN(std::int64_t any_invalid, pg.AllReduceMax(s1.ok() ? 0 : 1));
  if (any_invalid != 0) {
    if (!s1.ok()) return s1;
    return Status::InvalidArgument("another rank rejected the configuration");
  }
  TPSIM_ASSIGN_OR_RETURN(std::int64_t any_failed, pg.AllReduceMax(run.failed() ? 1 : 0));
  const std::int64_t local_blocks = run.failed() ? 0 : run.local_num_blocks();
  TPSIM_ASSIGN_OR_RETURN(std::int64_t min_blocks, pg.AllReduceMin(local_blocks));
  PlanResult result;
  result.cfg = cfg;
  const VllmPolicy* policy = &PolicyFor(cfg);
  result.policy = std::string(policy->name());
  result.page_bytes_per_layer = PageBytesPerLayer(cfg);
  bool kv_failed = false;
  KvVerdict verdict;
  // Each rank computes the verdict from the global minimum of available bytes.
  const Bytes my_avail = run.failed() ? INT64_MAX : run.local_available_kv();
  TPSIM_ASSIGN_OR_RETURN(std::int64_t avail, pg.AllReduceMin(my_avail));
  if (any_failed == 0) {
    verdict = CheckKvCache(cfg, avail, min_blocks);
    kv_failed = verdict.kind != ErrorKind::kNone;
  }
  if (any_failed == 0 && !kv_failed) TPSIM_RETURN_IF_ERROR(run.Stage2(min_blocks));

  RankReport report = run.TakeReport();
  if (kv_failed && report.error_kind == ErrorKind::kNone) {
    report.log.push_back(verdict.message);
  }
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> gathered, pg.Gather(RankReportToJson(report)));
  if (rank != 0) {
    result.ranks.push_back(std::move(report));
    return result;
  }
  for (const std::string& payload : gathered) {
    TPSIM_ASSIGN_OR_RETURN(RankReport r, RankReportFromJson(payload));
    result.ranks.push_back(std::move(r));
  }
  result.available_kv = avail;
  result.num_blocks = min_blocks;
  for (const RankReport& r : result.ranks) {
    if (r.error_kind != ErrorKind::kNone && result.ok) {
      result.ok = false;
      result.error_kind = r.error_kind;
      result.error_message = r.error_message;
      result.error_rank = r.rank;
    }
  }
  if (result.ok && kv_failed) {
    result.ok = false;
    result.error_kind = verdict.kind;
    result.error_message = "ValueError: " + verdict.message;
    for (const RankReport& r : result.ranks) {
      if (r.available_kv == avail) {
        result.error_rank = r.rank;
        break;
      }
    }
  }
  if (result.ok) {
    result.kv_tokens = min_blocks * cfg.block_size;
    result.max_concurrency = policy->MaxConcurrency(min_blocks, cfg.block_size, cfg.max_model_len);
  }
  return result;
}

}  // namespace

StatusOr<PlanResult> RunRank(const ResolvedConfig& cfg, ProcessGroup& pg, const RunOptions& options) {
  return RunRankImpl(cfg, pg, /*in_process=*/false, options);
}

StatusOr<PlanResult> RunDeploymentInProcess(const ResolvedConfig& cfg, const RunOptions& options) {
  InProcessHub hub(cfg.tp);
  std::vector<StatusOr<PlanResult>> results(cfg.tp, Status::Internal("rank did not run"));
  std::vector<std::thread> threads;
  threads.reserve(cfg.tp);
  for (int r = 0; r < cfg.tp; ++r) {
    threads.emplace_back([&, r] {
      std::unique_ptr<ProcessGroup> pg = hub.View(r);
      results[r] = RunRankImpl(cfg, *pg, /*in_process=*/true, options);
    });
  }
  for (std::thread& t : threads) t.join();
  return std::move(results[0]);
}

}  // namespace tpsim
