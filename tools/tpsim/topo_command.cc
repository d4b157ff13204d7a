// tpsim topo: the interconnect of a set of GPUs as vLLM's communication layer would meet it: link
// matrix, bandwidths, NCCL transports and channels, custom/symmetric-memory all-reduce, and the GPU
// memory each tensor-parallel rank spends on communication, split by when it appears.
//
//   tpsim topo --gpu rtx4090 --num-gpus 4 [--topology PRESET|FILE] [--tensor-parallel-size N]
//              [--vllm-version X.Y.Z] [--json]
//
// Text output: '#' header lines, the link matrix, one row per rank (second header row = units),
// rank 0's allocations and the notes. --json: exactly one JSON object (schema tpsim.topo/1).
// Bad input: one line on stderr, exit 2.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "sim/base/status_or.h"
#include "sim/base/units.h"
#include "sim/engine/config_constants.h"
#include "sim/engine/release_table.h"
#include "sim/model/model_config.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "topology/comm_constants.h"
#include "topology/comm_memory.h"
#include "topology/gpu_spec.h"
#include "topology/topology.h"

namespace tpsim::cli {

namespace {

namespace po = boost::program_options;

struct TopoArgs {
  std::string gpu, topology, vllm_version = "0.19.0", nccl_version, configs_dir;
  int num_gpus = 0, tp = 0, hidden_size = 0, max_num_batched_tokens = 0;
  bool json = false, disable_custom_all_reduce = false, help = false;
  bool tp_given = false;
};

int Fail(const Status& s) {
  std::fprintf(stderr, "tpsim topo: %s\n", s.message().c_str());
  return s.ExitCode() == 0 ? 1 : s.ExitCode();
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

struct Report {
  TopoArgs args;
  GpuSpec gpu;
  Topology topo;
  VllmVersion vllm;
  CommFeatures features;
  std::vector<CommMemoryPlan> plans;
  ContextMemory ctx;
};

Bytes CountedBytes(const CommMemoryPlan& p, const CommFeatures& f) {
  Bytes b = 0;
  for (CommPhase ph : {CommPhase::kDistributedInit, CommPhase::kFirstCollective}) {
    if (CountedInNonTorchIncrease(ph, f)) b += p.non_torch(ph);
  }
  return b;
}

void PrintText(const Report& r) {
  const CommMemoryPlan& p0 = r.plans[0];
  const int tp = static_cast<int>(r.plans.size());
  std::ostringstream o;
  // Each table line is padded column by column; the padding after the last column is dropped.
  auto end_line = [&o] {
    std::string text = o.str();
    while (!text.empty() && text.back() == ' ') text.pop_back();
    o.str(text);
    o.seekp(0, std::ios_base::end);
    o << "\n";
  };
  o << "# tpsim topo: " << r.topo.num_gpus << " x " << r.gpu.name << " (" << r.gpu.key << "), topology "
    << r.topo.name << "\n";
  o << "# vLLM " << ToString(r.vllm) << ", tensor_parallel_size " << tp;
  if (tp > 1) {
    o << ", NCCL " << p0.nccl_version << ", cuMem " << (p0.cumem ? "on" : "off") << ", "
      << (p0.lazy_connect ? "lazy" : "eager") << " connect, " << p0.coll_channels << " coll / "
      << p0.p2p_channels << " p2p channels" << (p0.nvls ? ", NVLS" : "");
  }
  o << "\n";
  if (tp > 1) {
    o << "# custom all-reduce: " << (p0.custom_all_reduce ? "on" : "off: " + p0.custom_all_reduce_reason)
      << "\n";
    o << "# symmetric-memory all-reduce: " << (p0.symm_mem ? "on" : "off: " + p0.symm_mem_reason) << "\n";
  }
  // Link matrix and bandwidths.
  const Eigen::MatrixXd bw = r.topo.BandwidthMatrix(r.gpu);
  o << "# links (nvidia-smi topo -m notation; NVS# = through NVSwitch, NET = another host)\n";
  o << Pad("", 8);
  for (int b = 0; b < r.topo.num_gpus; ++b) o << Pad("GPU" + std::to_string(b), 8);
  o << Pad("NUMA", 6) << "host\n";
  for (int a = 0; a < r.topo.num_gpus; ++a) {
    o << Pad("GPU" + std::to_string(a), 8);
    for (int b = 0; b < r.topo.num_gpus; ++b)
      o << Pad(LinkToken(r.topo.link[a][b], r.topo.nvlink_count[a][b]), 8);
    o << Pad(std::to_string(r.topo.numa_of_gpu[a]), 6) << r.topo.host_of_gpu[a];
    end_line();
  }
  o << "# bandwidth GB/s, one direction (diagonal: memory bandwidth)\n";
  for (int a = 0; a < r.topo.num_gpus; ++a) {
    o << Pad("GPU" + std::to_string(a), 8);
    for (int b = 0; b < r.topo.num_gpus; ++b) o << Pad(Fixed(bw(a, b), 1), 8);
    end_line();
  }
  // Per-rank table.
  o << "# rank  gpu  transport  coll_ch  p2p_ch  tree    dist_init  first_coll  in_non_torch  total\n";
  o << "#                                                 MiB        MiB         MiB           MiB\n";
  for (int k = 0; k < tp; ++k) {
    const CommMemoryPlan& p = r.plans[k];
    o << Pad(std::to_string(k), 8) << Pad(std::to_string(k), 5)
      << Pad(p.transport.empty() ? "-" : p.transport, 11) << Pad(std::to_string(p.coll_channels), 9)
      << Pad(std::to_string(p.p2p_channels), 8) << Pad(p.tree_position.empty() ? "-" : p.tree_position, 8)
      << Pad(Fixed(ToMiB(p.total(CommPhase::kDistributedInit)), 1), 11)
      << Pad(Fixed(ToMiB(p.total(CommPhase::kFirstCollective)), 1), 12)
      << Pad(Fixed(ToMiB(CountedBytes(p, r.features)), 1), 14) << Fixed(ToMiB(p.total()), 1) << "\n";
  }
  if (!p0.allocations.empty()) {
    o << "# allocations of rank 0: phase, owner, MiB, what\n";
    for (const CommAllocation& a : p0.allocations) {
      o << "  " << Pad(std::string(CommPhaseName(a.phase)), 17) << Pad(a.owner, 22)
        << Pad(Fixed(ToMiB(a.bytes), 1), 8) << a.label << (a.torch_allocated ? " [torch]" : "") << "\n";
    }
  }
  o << "# context: " << Fixed(ToMiB(r.ctx.at_init), 1) << " MiB at init, +"
    << Fixed(ToMiB(r.ctx.first_forward_growth), 1) << " MiB in the first forward, "
    << Fixed(ToMiB(r.ctx.nccl_code), 1) << " MiB NCCL code\n";
  o << "# notes\n";
  for (const std::string& n : p0.notes) o << "#   " << n << "\n";
  for (const std::string& n : r.ctx.notes) o << "#   " << n << "\n";
  std::cout << o.str();
}

nlohmann::json AllocJson(const CommAllocation& a) {
  return {{"label", a.label},  {"owner", a.owner},      {"phase", std::string(CommPhaseName(a.phase))},
          {"bytes", a.bytes},  {"mib", ToMiB(a.bytes)}, {"torch_allocated", a.torch_allocated},
          {"source", a.source}};
}

void PrintJson(const Report& r) {
  using nlohmann::json;
  const CommMemoryPlan& p0 = r.plans[0];
  json links = json::array(), bw_rows = json::array();
  const Eigen::MatrixXd bw = r.topo.BandwidthMatrix(r.gpu);
  for (int a = 0; a < r.topo.num_gpus; ++a) {
    json row = json::array(), brow = json::array();
    for (int b = 0; b < r.topo.num_gpus; ++b) {
      row.push_back(LinkToken(r.topo.link[a][b], r.topo.nvlink_count[a][b]));
      brow.push_back(bw(a, b));
    }
    links.push_back(row);
    bw_rows.push_back(brow);
  }
  json ranks = json::array();
  for (size_t k = 0; k < r.plans.size(); ++k) {
    const CommMemoryPlan& p = r.plans[k];
    json allocs = json::array();
    for (const CommAllocation& a : p.allocations) allocs.push_back(AllocJson(a));
    ranks.push_back({{"rank", k},
                     {"gpu", k},
                     {"transport", p.transport},
                     {"tree_position", p.tree_position},
                     {"distributed_init_bytes", p.total(CommPhase::kDistributedInit)},
                     {"first_collective_bytes", p.total(CommPhase::kFirstCollective)},
                     {"non_torch_increase_bytes", CountedBytes(p, r.features)},
                     {"total_bytes", p.total()},
                     {"total_gib", ToGiB(p.total())},
                     {"allocations", allocs}});
  }
  json notes = p0.notes;
  for (const std::string& n : r.ctx.notes) notes.push_back(n);
  json out = {
      {"schema", "tpsim.topo/1"},
      {"inputs",
       {{"gpu", r.gpu.key},
        {"num_gpus", r.topo.num_gpus},
        {"topology", r.args.topology.empty() ? "default" : r.args.topology},
        {"tensor_parallel_size", r.plans.size()},
        {"vllm_version", ToString(r.vllm)},
        {"nccl_version", p0.nccl_version},
        {"disable_custom_all_reduce", r.args.disable_custom_all_reduce},
        {"hidden_size", r.args.hidden_size},
        {"max_num_batched_tokens", r.args.max_num_batched_tokens}}},
      {"topology",
       {{"name", r.topo.name},
        {"num_gpus", r.topo.num_gpus},
        {"num_hosts", r.topo.num_hosts()},
        {"num_nics", r.topo.num_nics},
        {"cpu_vendor", r.topo.cpu_vendor},
        {"links", links},
        {"host_of_gpu", r.topo.host_of_gpu},
        {"numa_of_gpu", r.topo.numa_of_gpu},
        {"bandwidth_gb_per_s", bw_rows}}},
      {"nccl",
       {{"version", p0.nccl_version},
        {"cumem", p0.cumem},
        {"lazy_connect", p0.lazy_connect},
        {"coll_channels", p0.coll_channels},
        {"p2p_channels", p0.p2p_channels},
        {"p2p_channels_per_peer", p0.p2p_channels_per_peer},
        {"p2p_read", p0.p2p_read},
        {"nvls", p0.nvls}}},
      {"custom_all_reduce", {{"enabled", p0.custom_all_reduce}, {"reason", p0.custom_all_reduce_reason}}},
      {"symm_mem", {{"enabled", p0.symm_mem}, {"reason", p0.symm_mem_reason}}},
      {"context",
       {{"at_init_bytes", r.ctx.at_init},
        {"first_forward_growth_bytes", r.ctx.first_forward_growth},
        {"nccl_code_bytes", r.ctx.nccl_code}}},
      {"ranks", ranks},
      {"notes", notes}};
  std::cout << out.dump(2) << "\n";
}

StatusOr<Report> Build(const TopoArgs& a) {
  Report r;
  r.args = a;
  if (a.gpu.empty()) return Status::InvalidArgument("--gpu is required (e.g. --gpu rtx4090)");
  if (a.topology.empty() && a.num_gpus <= 0) {
    return Status::InvalidArgument("--num-gpus must be >= 1 when no --topology is given");
  }
  if (a.num_gpus < 0) return Status::InvalidArgument("--num-gpus must be >= 1");
  TPSIM_ASSIGN_OR_RETURN(r.gpu, LoadGpuSpec(a.gpu, a.configs_dir));
  TPSIM_ASSIGN_OR_RETURN(r.topo, LoadTopology(a.topology, r.gpu, a.num_gpus, a.configs_dir));
  // Text that is no version keeps topo's own message; a version tpsim does not model is refused as plan
  // refuses it.
  TPSIM_ASSIGN_OR_RETURN(r.vllm, ParseVllmVersion(a.vllm_version));
  TPSIM_ASSIGN_OR_RETURN(r.vllm, ParseSupportedVllmVersion(a.vllm_version));
  TPSIM_ASSIGN_OR_RETURN(std::shared_ptr<const ConfigConstants> constants,
                         LoadConfigConstants(a.configs_dir));
  r.features = CommFeaturesFor(r.vllm, r.gpu, constants->nccl_pins);
  CommQuery q;
  q.gpu = &r.gpu;
  q.topology = &r.topo;
  if (a.tp_given && a.tp < 1) return Status::InvalidArgument("--tensor-parallel-size must be >= 1");
  q.tp = a.tp_given ? a.tp : r.topo.num_gpus;
  q.features = r.features;
  q.disable_custom_all_reduce = a.disable_custom_all_reduce;
  q.nccl_version = a.nccl_version;
  q.hidden_size = a.hidden_size;
  q.max_num_batched_tokens = a.max_num_batched_tokens;
  q.constants = &constants->comm;
  if (a.hidden_size < 0 || a.max_num_batched_tokens < 0) {
    return Status::InvalidArgument("--hidden-size and --max-num-batched-tokens must be >= 0");
  }
  TPSIM_ASSIGN_OR_RETURN(r.plans, PlanCommMemoryAllRanks(q));
  r.ctx = ModelContextMemory(r.gpu, q.tp, r.features, constants->comm);
  return r;
}

// Parses topo's words: its own flags into `a` (through desc's bound variables) and the engine flags
// through the flag table (stray words refused, as everywhere).
Status ReadTopoFlags(const Args& args, const po::options_description& desc, TopoArgs* a) {
  ParsedFlags parsed;
  TPSIM_RETURN_IF_ERROR(ParseFlags(args, desc, &parsed));
  std::vector<const EngineFlag*> given;
  TPSIM_ASSIGN_OR_RETURN(EngineArgs ea, EngineArgsFromFlags(parsed, &given));
  for (const EngineFlag* f : given) {
    if (f->name == "gpu") a->gpu = ea.gpu;
    if (f->name == "topology") a->topology = ea.topology;
    if (f->name == "vllm-version") a->vllm_version = ea.vllm_version;
    if (f->name == "disable-custom-all-reduce") a->disable_custom_all_reduce = ea.disable_custom_all_reduce;
    if (f->name == "tensor-parallel-size") {
      a->tp = ea.tensor_parallel_size;
      a->tp_given = true;
    }
    if (f->name == "max-num-batched-tokens") {
      TPSIM_RETURN_IF_ERROR(flags::ValidateFlag(*f, ea));
      a->max_num_batched_tokens = static_cast<int>(*ea.max_num_batched_tokens);
    }
  }
  return Status::Ok();
}

}  // namespace

int RunTopo(const Args& args) {
  TopoArgs a;
  a.configs_dir = DefaultConfigsDir();
  po::options_description desc(
      "tpsim topo: links, NCCL transports/channels and per-rank communication memory\n"
      "usage: tpsim topo --gpu G --num-gpus N [--topology FILE|PRESET] [--tensor-parallel-size N] "
      "[--vllm-version X.Y.Z] [--json]\noptions");
  desc.add_options()("help,h", po::bool_switch(&a.help), "show this help")(
      "num-gpus", po::value(&a.num_gpus), "number of GPUs (with --topology: keep the first N)")(
      "nccl-version", po::value(&a.nccl_version),
      "NCCL version (default: the one that vLLM release ships with)")(
      "hidden-size", po::value(&a.hidden_size), "model hidden size (sizes the FlashInfer fusion workspace)")(
      "configs-dir", po::value(&a.configs_dir), "folder holding gpus/, topologies/, nccl.json")(
      "json", po::bool_switch(&a.json), "print one JSON object");
  // The engine flags topo shares with plan, from the one flag table (-tp included).
  AddEngineFlags(&desc, {"gpu", "topology", "tensor-parallel-size", "vllm-version",
                         "disable-custom-all-reduce", "max-num-batched-tokens"});
  if (Status s = ReadTopoFlags(args, desc, &a); !s.ok()) return Fail(s);
  if (a.help) {
    std::cout << desc << "\n";
    return 0;
  }
  try {
    StatusOr<Report> r = Build(a);
    if (!r.ok()) return Fail(r.status());
    if (a.json)
      PrintJson(*r);
    else
      PrintText(*r);
  } catch (const std::exception& e) {  // nothing below throws by design; this is the last guard
    std::fprintf(stderr, "tpsim topo: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace tpsim::cli
