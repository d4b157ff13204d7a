// tpsim scale: per-card memory of the same deployment at several tensor-parallel sizes (default 1,2,4),
// with the ideal 1/N beside each category and, per category, the least-squares fit per-card = a + b/N
// (Eigen): `a` is the part that does not shrink with more cards. Also `tpsim compare` (TP=2 vs TP=4 by
// default): per card and in total, KV tokens, concurrency, headroom, and which serves a target.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <Eigen/Dense>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/report/csv_writer.h"
#include "sim/report/plan_report.h"
#include "sim/report/table_writer.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"
#include "tools/tpsim/timeline_output.h"

namespace tpsim::cli {

namespace {

struct Column {
  const char* name;
  Bytes RankReport::*field;
};

const Column kColumns[] = {
    {"context", &RankReport::cuda_context},   {"nccl", &RankReport::nccl},
    {"weights", &RankReport::weights},        {"activation", &RankReport::activation_peak},
    {"non_torch", &RankReport::non_torch},    {"kv_cache", &RankReport::kv_cache},
    {"cudagraph", &RankReport::cudagraph},    {"final_used", &RankReport::final_used},
};

std::string G(double gib) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", gib);
  return buf;
}

StatusOr<std::vector<int>> ParseTpList(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t pos = 0;
      const int v = std::stoi(item, &pos);
      if (pos != item.size() || v < 1 || v > 64) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (...) {
      return Status::InvalidArgument("invalid tensor-parallel size '" + item + "' in --tp-list");
    }
  }
  if (out.empty()) return Status::InvalidArgument("--tp-list is empty");
  return out;
}

// Runs the deployment at each tp: in-process threads, or under mpirun on a sub-communicator of the
// first tp processes.
StatusOr<std::vector<PlanResult>> RunSizes(const EngineArgs& base, const std::vector<int>& tps,
                                           const std::string& configs, bool timelines) {
  RunOptions options;
  options.record_timeline = timelines;
  std::vector<PlanResult> out;
  for (int tp : tps) {
    EngineArgs a = base;
    a.tensor_parallel_size = tp;
    TPSIM_ASSIGN_OR_RETURN(ResolvedConfig cfg, ResolveEngineArgs(a, configs));
    TPSIM_ASSIGN_OR_RETURN(PlanResult r, RunDeploymentOnFirstRanks(cfg, options));
    out.push_back(std::move(r));
  }
  return out;
}

// Parses the flags of scale/compare; returns an exit code >= 0 when the command is done.
int Parse(const std::string& cmd, const Args& args, const char* tp_default, ParsedCommand* pc,
          std::vector<int>* tps) {
  po::options_description desc("tpsim " + cmd + " [flags]");
  CommandOptions opts;
  opts.output.formats = cmd == "scale" ? std::vector<std::string>{"text", "json", "csv"}
                                       : std::vector<std::string>{"text", "json"};
  opts.output.timeline = true;
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, opts.output);
  desc.add_options()("tp-list", po::value<std::string>()->default_value(tp_default),
                     "tensor-parallel sizes, comma separated");
  if (cmd == "compare") {
    desc.add_options()("target-context", po::value<std::int64_t>(), "context length to serve")(
        "target-concurrency", po::value<double>(), "concurrent requests of that length");
  }
  *pc = ParseCommand(cmd, args, desc, opts);
  if (pc->exit_code >= 0) return pc->exit_code;
  if (pc->Given("tensor-parallel-size")) {
    return ReportError(cmd, Status::InvalidArgument("tpsim " + cmd + " sets the tensor-parallel size " +
                                                    "itself; give the sizes with --tp-list"));
  }
  auto t = ParseTpList(pc->vm["tp-list"].as<std::string>());
  if (!t.ok()) return ReportError(cmd, t.status());
  *tps = *t;
  return -1;
}

// One category's fit per-card = a + b / N over the sizes (b < 0 or a < 0: it grows with N).
struct CategoryFit {
  double a = 0, b = 0;
  bool shrinks = true;
  double share = 0;  // a's share of the per-card value at the largest size, in %
};

double Round4(double x) { return std::round(x * 10000.0) / 10000.0; }

// `tpsim scale --format csv`: one row per size x category (size-major, categories as in the text
// table), with the per-card value, the ideal 1/N scaling of the first size and the category's fit.
std::string ScaleCsv(const std::vector<PlanResult>& results, const std::vector<CategoryFit>& fits) {
  std::string out = CsvLine({"tensor_parallel_size", "outcome", "error_kind", "category", "per_card_gib",
                             "ideal_gib", "fit_a_gib", "fit_b_gib", "grows_with_n", "fixed_share_at_largest_tp"});
  const PlanResult& base = results.front();
  for (const PlanResult& r : results) {
    for (std::size_t c = 0; c < std::size(kColumns); ++c) {
      const Bytes RankReport::*field = kColumns[c].field;
      const double v0 = base.ranks.empty() ? 0 : ToGiB(base.ranks.front().*field);
      const CategoryFit& f = fits[c];
      out += CsvLine({std::to_string(r.cfg.tp), r.ok ? "ok" : "error", CsvQuote(r.ok ? "" : ErrorKindName(r.error_kind)), kColumns[c].name,
                      r.ranks.empty() ? "" : CsvCell(nlohmann::json(JsonGiB(r.ranks.front().*field))),
                      CsvCell(nlohmann::json(Round4(v0 * base.cfg.tp / r.cfg.tp))),
                      CsvCell(nlohmann::json(Round4(f.a))), CsvCell(nlohmann::json(Round4(f.b))),
                      f.shrinks ? "0" : "1", f.shrinks ? CsvCell(nlohmann::json(Round4(f.share / 100.0))) : ""});
    }
  }
  return out;
}

// --timeline DIR: one sub-directory per size, DIR/tp<N>/ (trace.json, rank<N>.csv, memory.png), the
// whole set written at once.
Status WriteSizeTimelines(const std::vector<PlanResult>& results, TimelineOutput* timeline) {
  for (const PlanResult& r : results) TPSIM_RETURN_IF_ERROR(timeline->Add(r, /*per_size=*/true));
  return timeline->Commit();
}

}  // namespace

int RunScale(const Args& args) {
  ParsedCommand pc;
  std::vector<int> tps;
  if (int rc = Parse("scale", args, "1,2,4", &pc, &tps); rc >= 0) return rc;
  const OutputFlags& out = pc.out;
  TimelineOutput timeline("scale", IsCoordinator() ? out.timeline_dir : "");
  auto results = RunSizes(pc.engine, tps, pc.configs_dir, !pc.out.timeline_dir.empty());
  if (!results.ok()) {
    return IsCoordinator() ? ReportError("scale", results.status()) : results.status().ExitCode();
  }
  if (!IsCoordinator()) return 0;
  if (Status t = WriteSizeTimelines(*results, &timeline); !t.ok()) return ReportError("scale", t);
  const PlanResult& base = results->front();
  const double n0 = base.cfg.tp;
  // Least squares per category: per-card = a + b / N over the sizes that produced reports.
  nlohmann::json j;
  j["schema"] = "tpsim.scale/1";
  j["inputs"] = InputsToJson(base.cfg);
  j["sizes"] = nlohmann::json::array();
  std::vector<std::string> head = {"category"};
  for (const PlanResult& r : *results) head.push_back("tp=" + std::to_string(r.cfg.tp));
  for (const PlanResult& r : *results) head.push_back("ideal " + std::to_string(r.cfg.tp));
  head.insert(head.end(), {"fixed a", "1/N part b", "fixed share"});
  TableWriter table(head);
  std::vector<std::string> units(head.size(), "(GiB)");
  units[0] = "per card";
  units.back() = "(%)";
  table.AddUnits(units);
  nlohmann::json fits = nlohmann::json::object();
  std::vector<CategoryFit> fit_rows;
  for (const Column& c : kColumns) {
    std::vector<std::string> row = {c.name};
    Eigen::MatrixXd A(results->size(), 2);
    Eigen::VectorXd y(results->size());
    for (std::size_t i = 0; i < results->size(); ++i) {
      const PlanResult& r = (*results)[i];
      const double v = r.ranks.empty() ? 0 : ToGiB(r.ranks.front().*(c.field));
      row.push_back(G(v));
      A(i, 0) = 1.0;
      A(i, 1) = 1.0 / r.cfg.tp;
      y(i) = v;
    }
    const double v0 = base.ranks.empty() ? 0 : ToGiB(base.ranks.front().*(c.field));
    for (const PlanResult& r : *results) row.push_back(G(v0 * n0 / r.cfg.tp));
    Eigen::Vector2d ab = Eigen::Vector2d::Zero();
    if (results->size() >= 2) ab = A.colPivHouseholderQr().solve(y);
    const double last_n = results->back().cfg.tp;
    const double at_last = ab(0) + ab(1) / last_n;
    // The fixed share means something only for a category that shrinks (or stays) with N; the KV pool
    // and anything else that grows with N is marked "grows".
    const bool shrinks = ab(1) >= -1e-6 && ab(0) >= -1e-6;
    const double share = shrinks && std::abs(at_last) > 1e-9 ? 100.0 * ab(0) / at_last : 0.0;
    row.insert(row.end(), {G(ab(0)), G(ab(1)), shrinks ? G(share) : std::string("grows")});
    fit_rows.push_back({ab(0), ab(1), shrinks, share});
    table.AddRow(row);
    fits[c.name] = {{"a_gib", ab(0)},
                    {"b_gib", ab(1)},
                    {"grows_with_n", !shrinks},
                    {"fixed_share_at_largest_tp", shrinks ? nlohmann::json(share / 100.0) : nlohmann::json(nullptr)}};
  }
  for (const PlanResult& r : *results) j["sizes"].push_back(PlanToJson(r));
  j["fit"] = fits;
  // Words: what does not shrink.
  std::vector<std::string> why;
  const RankReport* k1 = base.ranks.empty() ? nullptr : &base.ranks.front();
  const RankReport* kn = results->back().ranks.empty() ? nullptr : &results->back().ranks.front();
  if (k1 != nullptr && kn != nullptr) {
    why.push_back("the CUDA context (" + G(ToGiB(kn->cuda_context)) + " GiB) is paid on every card");
    why.push_back("the profile-run activation/sampler peak goes from " + G(ToGiB(k1->activation_peak)) +
                  " to " + G(ToGiB(kn->activation_peak)) +
                  " GiB: the sampler materialises the full-vocabulary logits on every rank");
    why.push_back("replicated tensors (norms, rotary cache) and the non-torch growth (" +
                  G(ToGiB(kn->non_torch)) + " GiB) do not divide");
    why.push_back("the KV pool takes whatever the budget leaves, so per-card KV grows with N instead of "
                  "shrinking: each card gives the freed weight bytes to the cache");
    // Between consecutive sizes: what the communication and KV layout did, from the reports.
    for (std::size_t i = 1; i < results->size(); ++i) {
      const PlanResult& a = (*results)[i - 1];
      const PlanResult& b = (*results)[i];
      if (a.ranks.empty() || b.ranks.empty() || a.cfg.tp == 1) continue;
      const RankReport& ra = a.ranks.front();
      const RankReport& rb = b.ranks.front();
      std::string line = "from " + std::to_string(a.cfg.tp) + " to " + std::to_string(b.cfg.tp) +
                         " cards: NCCL " + ra.transport + " -> " + rb.transport + ", " +
                         G(ToGiB(ra.nccl + ra.custom_allreduce)) + " -> " +
                         G(ToGiB(rb.nccl + rb.custom_allreduce)) + " GiB of communication per card";
      if (ra.custom_allreduce_on != rb.custom_allreduce_on) {
        line += "; custom all-reduce " + std::string(rb.custom_allreduce_on ? "turns on" : "turns off") +
                (rb.custom_allreduce_on ? "" : " (" + rb.custom_allreduce_note + ")");
      } else if (!rb.custom_allreduce_on) {
        line += "; custom all-reduce off at both sizes, so every all-reduce goes through NCCL";
      }
      const std::int64_t kv_a = std::max<std::int64_t>(1, a.cfg.model.num_kv_heads / a.cfg.tp);
      const std::int64_t kv_b = std::max<std::int64_t>(1, b.cfg.model.num_kv_heads / b.cfg.tp);
      line += kv_a == kv_b ? "; KV heads per card stay at " + std::to_string(kv_b) + " (replicated)"
                           : "; KV heads per card " + std::to_string(kv_a) + " -> " + std::to_string(kv_b);
      why.push_back(line);
    }
  }
  j["explanation"] = why;
  if (out.format == "csv") {
    std::cout << ScaleCsv(*results, fit_rows);
    return 0;
  }
  if (out.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "# tpsim scale | " << base.cfg.model.name << " | " << base.cfg.gpu.key << " | vLLM "
            << ToString(base.cfg.version) << " | max-model-len " << base.cfg.max_model_len << "\n";
  std::cout << table.Render();
  std::cout << "# verdicts:";
  for (const PlanResult& r : *results) {
    std::cout << " tp=" << r.cfg.tp << " " << (r.ok ? "starts" : "fails (" + std::string(ErrorKindName(r.error_kind)) + ")");
    if (r.ok) std::cout << " [" << FormatThousands(r.kv_tokens) << " KV tokens/card]";
    std::cout << ";";
  }
  std::cout << "\n# why per-card memory is not 1/N:\n";
  for (const std::string& w : why) std::cout << "#  - " << w << "\n";
  return 0;
}

int RunCompare(const Args& args) {
  ParsedCommand pc;
  std::vector<int> tps;
  if (int rc = Parse("compare", args, "2,4", &pc, &tps); rc >= 0) return rc;
  if (tps.size() != 2) return ReportError("compare", Status::InvalidArgument("--tp-list needs two sizes"));
  const po::variables_map& vm = pc.vm;
  const OutputFlags& out = pc.out;
  if (vm.count("target-context") && vm["target-context"].as<std::int64_t>() < 1) {
    return ReportError("compare", Status::InvalidArgument("--target-context must be >= 1"));
  }
  if (vm.count("target-concurrency")) {
    const double c = vm["target-concurrency"].as<double>();
    if (!(c > 0 && c < 1e9)) {
      return ReportError("compare", Status::InvalidArgument("--target-concurrency must be a positive number"));
    }
  }
  TimelineOutput timeline("compare", IsCoordinator() ? out.timeline_dir : "");
  auto results = RunSizes(pc.engine, tps, pc.configs_dir, !pc.out.timeline_dir.empty());
  if (!results.ok()) {
    return IsCoordinator() ? ReportError("compare", results.status()) : results.status().ExitCode();
  }
  if (!IsCoordinator()) return 0;
  if (Status t = WriteSizeTimelines(*results, &timeline); !t.ok()) return ReportError("compare", t);
  const std::int64_t ctx = vm.count("target-context") ? vm["target-context"].as<std::int64_t>()
                                                       : results->front().cfg.max_model_len;
  const double conc = vm.count("target-concurrency") ? vm["target-concurrency"].as<double>() : 1.0;

  nlohmann::json j;
  j["schema"] = "tpsim.compare/1";
  j["deployments"] = nlohmann::json::array();
  TableWriter t({"deployment", "per-card used", "total used", "KV tokens",
                 "max concurrency", "headroom/card", "serves target"});
  t.AddUnits({"", "(GiB)", "(GiB)", "", "(x)", "(GiB)", ""});
  for (const PlanResult& r : *results) {
    const Bytes used = r.ranks.empty() ? 0 : r.ranks.front().final_used;
    const Bytes headroom = r.ranks.empty() ? 0 : r.ranks.front().total - r.ranks.front().peak_used;
    // Concurrency at the target context: KV blocks over blocks per request.
    const double at_target =
        r.ok ? static_cast<double>(r.num_blocks) / static_cast<double>(CeilDiv(ctx, r.cfg.block_size)) : 0;
    const bool serves = r.ok && ctx <= r.cfg.max_model_len && at_target >= conc;
    char mc[32];
    std::snprintf(mc, sizeof(mc), "%.2f", r.max_concurrency);
    t.AddRow({"TP=" + std::to_string(r.cfg.tp) + (r.ok ? "" : " (" + std::string(ErrorKindName(r.error_kind)) + ")"),
              G(ToGiB(used)), G(ToGiB(used * r.cfg.tp)), FormatThousands(r.kv_tokens), mc, G(ToGiB(headroom)), serves ? "yes" : "no"});
    nlohmann::json d = PlanToJson(r);
    d["serves_target"] = serves;
    d["concurrency_at_target"] = at_target;
    j["deployments"].push_back(d);
  }
  j["target"] = {{"context", ctx}, {"concurrency", conc}};
  if (out.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "# tpsim compare | " << results->front().cfg.model.name << " on "
            << results->front().cfg.gpu.key << " | target: " << conc << " request(s) of "
            << FormatThousands(ctx) << " tokens\n"
            << "# KV tokens are per card and equal on every card of a deployment (vLLM's pool is the "
               "same on all ranks; each token's KV is split over the ranks)\n";
  std::cout << t.Render();
  return 0;
}

}  // namespace tpsim::cli
