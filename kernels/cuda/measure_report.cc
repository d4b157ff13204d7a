#include "kernels/cuda/measure_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sim/report/plan_report.h"
#include "sim/report/table_writer.h"

namespace tpsim {

namespace {

std::string G3(Bytes b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", ToGiB(b));
  return buf;
}

std::string Delta(Bytes measured, Bytes simulated) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%+.3f", ToGiB(measured - simulated));
  return buf;
}

Bytes AtEnd(const Timeline& t, MemCategory c) {
  return t.events.empty() ? 0 : t.events.back().by_category[static_cast<int>(c)];
}

const PhaseReading* Find(const std::vector<PhaseReading>& phases, const std::string& name) {
  for (const PhaseReading& p : phases) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Bytes Growth(const std::vector<PhaseReading>& phases, const char* name) {
  const PhaseReading* p = Find(phases, name);
  return p == nullptr ? 0 : p->end - p->begin;
}

Bytes PeakGrowth(const std::vector<PhaseReading>& phases, const char* name) {
  const PhaseReading* p = Find(phases, name);
  return p == nullptr ? 0 : p->peak - p->begin;
}

std::string Outcome(bool ok, ErrorKind kind, std::int64_t blocks) {
  return ok ? "ok (" + FormatThousands(blocks) + " KV blocks)"
            : "fails (" + std::string(ErrorKindName(kind)) + ")";
}

}  // namespace

std::vector<PhaseReading> ReadPhases(const Timeline& t) {
  std::vector<PhaseReading> out;
  for (const TimelineEvent& e : t.events) {
    if (e.kind == EventKind::kPhase) {
      out.push_back({e.label, e.device_used, e.device_used, e.device_used});
    } else if (!out.empty()) {
      out.back().end = e.device_used;
      out.back().peak = std::max(out.back().peak, e.device_used);
    }
  }
  // A phase's end is the reading taken when it was closed (PhaseSpan), when the timeline has it.
  for (std::size_t i = 0; i < out.size() && i < t.phases.size(); ++i) {
    if (t.phases[i].name == out[i].name && t.phases[i].end_s >= 0) {
      out[i].end = t.phases[i].device_used_end;
      out[i].peak = std::max(out[i].peak, out[i].end);
    }
  }
  return out;
}

std::vector<CategoryRow> CompareCategories(const RankReport& sim, const MeasuredRank& real) {
  const std::vector<PhaseReading> s = ReadPhases(sim.timeline);
  const std::vector<PhaseReading> r = ReadPhases(real.report.timeline);
  return {
      {"context", AtEnd(sim.timeline, MemCategory::kContext), real.context + real.kernel_load},
      {"communication", AtEnd(sim.timeline, MemCategory::kCommunication),
       AtEnd(real.report.timeline, MemCategory::kCommunication) + real.nccl_init + real.first_collective},
      {"weights", Growth(s, "load_model"), Growth(r, "load_model")},
      {"activations", PeakGrowth(s, "profile_run"), PeakGrowth(r, "profile_run")},
      {"kv_pool", Growth(s, "kv_cache_alloc"), Growth(r, "kv_cache_alloc")},
      {"graphs", Growth(s, "cudagraph_capture"), Growth(r, "cudagraph_capture")},
      {"final_used", sim.final_used, real.report.final_used},
  };
}

std::string RenderMeasureText(const PlanResult& sim, const std::vector<MeasuredRank>& measured) {
  const ResolvedConfig& c = sim.cfg;
  std::ostringstream out;
  out << "# tpsim measure | model " << c.model.name << " (" << DTypeName(c.dtype)
      << (c.linear == LinearMethod::kUnquantized ? "" : ", " + std::string(LinearMethodName(c.linear)))
      << ") | tp " << c.tp << " | vLLM " << ToString(c.version) << " " << sim.policy
      << " | simulated as " << c.gpu.key << " with " << FormatGiB(c.gpu.total_memory_bytes, 2) << "\n";
  for (std::size_t i = 0; i < measured.size() && i < sim.ranks.size(); ++i) {
    const MeasuredRank& m = measured[i];
    const RankReport& s = sim.ranks[i];
    out << "# rank " << m.rank << ": cuda:" << m.device << " " << m.device_name << " (sm_"
        << m.compute_capability << ", " << FormatGiB(m.total, 2) << ")"
        << (m.nccl_version.empty() ? "" : ", NCCL " + m.nccl_version) << "\n";
    TableWriter phases({"phase", "simulated", "measured", "delta"});
    phases.AddUnits({"(used at end)", "(GiB)", "(GiB)", "(GiB)"});
    const std::vector<PhaseReading> sp = ReadPhases(s.timeline);
    const std::vector<PhaseReading> rp = ReadPhases(m.report.timeline);
    for (const PhaseReading& p : sp) {
      const PhaseReading* q = Find(rp, p.name);
      phases.AddRow({p.name, G3(p.end), q == nullptr ? "-" : G3(q->end), q == nullptr ? "-" : Delta(q->end, p.end)});
    }
    for (const PhaseReading& q : rp) {  // phases only the real run reached (none, normally)
      if (Find(sp, q.name) == nullptr) phases.AddRow({q.name, "-", G3(q.end), "-"});
    }
    out << phases.Render();
    TableWriter cats({"category", "simulated", "measured", "delta"});
    cats.AddUnits({"", "(GiB)", "(GiB)", "(GiB)"});
    for (const CategoryRow& row : CompareCategories(s, m)) {
      cats.AddRow({row.name, G3(row.simulated), G3(row.measured), Delta(row.measured, row.simulated)});
    }
    out << cats.Render();
    if (m.layer_ran) {
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    "# layer: decode step of %lld sequences x %lld tokens, %d kernels, %.3f ms, max |out| %.3g, "
                    "buffers %s\n",
                    static_cast<long long>(m.layer_seqs), static_cast<long long>(m.layer_context), m.layer_kernels,
                    m.layer_step_ms, m.layer_output_max_abs, FormatBytes(m.layer_buffers).c_str());
      out << buf;
    }
    if (m.graphs > 0) {
      out << "# graphs: " << m.graphs << " captured, " << FormatThousands(m.graph_nodes) << " kernel nodes, "
          << FormatBytes(m.graph_objects) << " of driver objects\n";
    }
    if (m.nccl_init > 0 || m.first_collective > 0) {
      out << "# nccl: init " << FormatBytes(m.nccl_init) << ", first all-reduce " << FormatBytes(m.first_collective)
          << "\n";
    }
    for (const std::string& n : m.notes) out << "# note: " << n << "\n";
  }
  bool real_ok = true;
  ErrorKind real_kind = ErrorKind::kNone;
  std::int64_t real_blocks = 0;
  for (const MeasuredRank& m : measured) {
    if (m.error_kind != ErrorKind::kNone && real_ok) {
      real_ok = false;
      real_kind = m.error_kind;
    }
    real_blocks = m.num_blocks;
  }
  out << "# outcome: simulated " << Outcome(sim.ok, sim.error_kind, sim.num_blocks) << " | measured "
      << Outcome(real_ok, real_kind, real_blocks) << "\n";
  return out.str();
}

nlohmann::json MeasureToJson(const PlanResult& sim, const std::vector<MeasuredRank>& measured) {
  nlohmann::json j = PlanToJson(sim);
  nlohmann::json ranks = nlohmann::json::array();
  for (std::size_t i = 0; i < measured.size() && i < sim.ranks.size(); ++i) {
    const MeasuredRank& m = measured[i];
    const RankReport& s = sim.ranks[i];
    nlohmann::json phases = nlohmann::json::array();
    const std::vector<PhaseReading> rp = ReadPhases(m.report.timeline);
    for (const PhaseReading& p : ReadPhases(s.timeline)) {
      const PhaseReading* q = Find(rp, p.name);
      phases.push_back({{"name", p.name},
                        {"simulated_used_gib", JsonGiB(p.end)},
                        {"measured_used_gib", q == nullptr ? nlohmann::json(nullptr) : nlohmann::json(JsonGiB(q->end))}});
    }
    nlohmann::json cats = nlohmann::json::object();
    for (const CategoryRow& row : CompareCategories(s, m)) {
      cats[row.name] = {{"simulated_gib", JsonGiB(row.simulated)}, {"measured_gib", JsonGiB(row.measured)}};
    }
    ranks.push_back({
        {"rank", m.rank},
        {"device", m.device},
        {"device_name", m.device_name},
        {"compute_capability", m.compute_capability},
        {"total_gib", JsonGiB(m.total)},
        {"outcome", m.error_kind == ErrorKind::kNone ? "ok" : "error"},
        {"error", m.error_kind == ErrorKind::kNone ? nlohmann::json(nullptr)
                                        : nlohmann::json{{"kind", m.error_kind}, {"message", m.error_message}}},
        {"num_blocks", m.num_blocks},
        {"context_gib", JsonGiB(m.context)},
        {"nccl_init_gib", JsonGiB(m.nccl_init)},
        {"first_collective_gib", JsonGiB(m.first_collective)},
        {"kernel_load_gib", JsonGiB(m.kernel_load)},
        {"layer", {{"ran", m.layer_ran},
                   {"seqs", m.layer_seqs},
                   {"context_len", m.layer_context},
                   {"kernels", m.layer_kernels},
                   {"step_ms", m.layer_step_ms},
                   {"buffers_gib", JsonGiB(m.layer_buffers)},
                   {"output_max_abs", m.layer_output_max_abs}}},
        {"graphs", {{"captured", m.graphs}, {"kernel_nodes", m.graph_nodes}, {"objects_gib", JsonGiB(m.graph_objects)}}},
        {"allocator", {{"weights_gib", JsonGiB(m.report.weights)},
                       {"activation_peak_gib", JsonGiB(m.report.activation_peak)},
                       {"non_torch_gib", JsonGiB(m.report.non_torch)},
                       {"available_kv_gib", JsonGiB(m.report.available_kv)},
                       {"kv_cache_gib", JsonGiB(m.report.kv_cache)}}},
        {"peak_used_gib", JsonGiB(m.report.peak_used)},
        {"final_used_gib", JsonGiB(m.report.final_used)},
        {"phases", phases},
        {"categories", cats},
        {"nccl_version", m.nccl_version},
        {"notes", m.notes},
    });
  }
  j["measured"] = {{"schema", "tpsim.measure/1"}, {"ranks", ranks}};
  return j;
}

}  // namespace tpsim
