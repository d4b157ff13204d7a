// tpsim shard: the per-rank tensors of a tensor-parallel split (name, shape, dtype, split, bytes) as
// vLLM lays them out, and each rank's total both as a plain tensor sum and through the caching-allocator
// replay (what vLLM logs as "Model loading took").
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/device/sim_device.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "sim/report/table_writer.h"
#include "sim/shard/shard_plan.h"
#include "sim/shard/weight_replay.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"

namespace tpsim::cli {

namespace {

std::string Shape(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

int RunShard(const Args& args) {
  po::options_description desc("tpsim shard --model M --tensor-parallel-size N");
  CommandOptions opts;  // text or json; shard writes no timeline
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, opts.output);
  desc.add_options()("rank", po::value<int>()->default_value(0), "rank whose tensors are listed")(
      "all-ranks", po::bool_switch(), "list the tensors of every rank");
  ParsedCommand pc = ParseCommand("shard", args, desc, opts);
  if (pc.exit_code >= 0) return pc.exit_code;
  const po::variables_map& vm = pc.vm;
  const OutputFlags& out = pc.out;
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(pc.engine, pc.configs_dir);
  if (!cfg.ok()) return ReportError("shard", cfg.status());
  const int listed = vm["rank"].as<int>();
  if (listed < 0 || listed >= cfg->tp) {
    return ReportError("shard", Status::InvalidArgument("--rank must be in [0, " +
                                                        std::to_string(cfg->tp) + ")"));
  }
  nlohmann::json j;
  j["schema"] = "tpsim.shard/1";
  j["model"] = cfg->model.name;
  j["tensor_parallel_size"] = cfg->tp;
  j["linear_method"] = LinearMethodName(cfg->linear);
  j["dtype"] = DTypeName(cfg->dtype);
  j["ranks"] = nlohmann::json::array();
  std::ostringstream text;
  text << "# tpsim shard | " << cfg->model.name << " | tp " << cfg->tp << " | "
       << LinearMethodName(cfg->linear) << " | " << DTypeName(cfg->dtype) << "\n";
  TableWriter totals({"rank", "tensors", "tensor sum", "allocator replay", "q heads", "kv heads"});
  totals.AddUnits({"", "", "(GiB)", "(GiB)", "", ""});
  for (int rank = 0; rank < cfg->tp; ++rank) {
    ShardOptions so{cfg->tp, rank, cfg->dtype, cfg->linear, cfg->gpu.sm_count};
    StatusOr<ShardPlan> plan = BuildShardPlan(cfg->model, so);
    if (!plan.ok()) return ReportError("shard", plan.status());
    SimDevice dev("sim", 1LL << 50);
    CachingAllocator alloc(&dev);
    StatusOr<LoadedWeights> loaded = ReplayWeightLoad(*plan, &alloc);
    if (!loaded.ok()) return ReportError("shard", loaded.status());
    nlohmann::json jr = {{"rank", rank},
                         {"tensor_bytes", plan->TotalBytes()},
                         {"allocated_bytes", loaded->allocated_increase},
                         {"q_heads", plan->q_heads_per_rank},
                         {"kv_heads", plan->kv_heads_per_rank},
                         {"kv_head_replicas", plan->kv_head_replicas},
                         {"vocab_per_rank", plan->vocab_per_rank}};
    const bool list = vm["all-ranks"].as<bool>() || rank == listed;
    if (list) {
      nlohmann::json tensors = nlohmann::json::array();
      TableWriter t({"tensor", "shape", "dtype", "split", "bytes"});
      for (const TensorSpec& ts : plan->tensors) {
        tensors.push_back({{"name", ts.name}, {"shape", ts.shape}, {"dtype", DTypeName(ts.dtype)},
                           {"split", ShardKindName(ts.shard)}, {"bytes", ts.bytes()}});
        t.AddRow({ts.name, Shape(ts.shape), std::string(DTypeName(ts.dtype)),
                  std::string(ShardKindName(ts.shard)), std::to_string(ts.bytes())});
      }
      jr["tensors"] = tensors;
      text << "# rank " << rank << "\n" << t.Render();
    }
    char a[32], b[32];
    std::snprintf(a, sizeof(a), "%.4f", ToGiB(plan->TotalBytes()));
    std::snprintf(b, sizeof(b), "%.4f", ToGiB(loaded->allocated_increase));
    totals.AddRow({std::to_string(rank), std::to_string(plan->tensors.size()), a, b,
                   std::to_string(plan->q_heads_per_rank), std::to_string(plan->kv_heads_per_rank)});
    j["ranks"].push_back(jr);
  }
  if (out.format == "json") {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << text.str() << totals.Render();
  }
  return 0;
}

}  // namespace tpsim::cli
