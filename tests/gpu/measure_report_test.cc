// The measured-beside-simulated report (kernels/cuda/measure_report.h) and the measurement's JSON
// round trip, on a simulated deployment; no device needed, so these run on every CUDA build.
#include "kernels/cuda/measure_report.h"

#include <gtest/gtest.h>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"

namespace tpsim {
namespace {

PlanResult Simulate(int tp) {
  EngineArgs a;
  a.tensor_parallel_size = tp;
  a.max_model_len = 8192;
  auto cfg = ResolveEngineArgs(a, DefaultConfigsDir());
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  auto r = RunDeploymentInProcess(*cfg);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return *r;
}

// A "measurement" that is the simulation itself: every derived row must then agree.
MeasuredRank AsMeasured(const RankReport& r) {
  MeasuredRank m;
  m.rank = r.rank;
  m.device = r.rank;
  m.device_name = "simulated";
  m.compute_capability = 89;
  m.total = r.total;
  m.report = r;
  m.num_blocks = r.num_blocks_local;
  m.layer_ran = true;
  m.layer_seqs = 64;
  m.layer_context = 512;
  m.layer_kernels = 12;
  m.layer_step_ms = 1.25;
  m.graphs = 3;
  m.graph_nodes = 3 * 64 * 12;
  m.notes = {"a note"};
  return m;
}

TEST(MeasureReportTest, PhasesFollowTheTimeline) {
  const PlanResult sim = Simulate(2);
  const RankReport& r = sim.ranks[0];
  const std::vector<PhaseReading> phases = ReadPhases(r.timeline);
  ASSERT_EQ(phases.size(), r.timeline.phases.size());
  for (std::size_t i = 0; i < phases.size(); ++i) {
    EXPECT_EQ(phases[i].name, r.timeline.phases[i].name);
    EXPECT_LE(phases[i].begin, phases[i].peak);
    EXPECT_LE(phases[i].end, phases[i].peak);
    if (i > 0) {
      EXPECT_EQ(phases[i].begin, phases[i - 1].end);  // nothing happens between phases
    }
  }
  EXPECT_EQ(phases.front().begin, 0);  // a SimDevice starts empty
  EXPECT_EQ(phases.back().end, r.final_used);
}

TEST(MeasureReportTest, CategoriesOfTheSimulationAgreeWithItsReport) {
  const PlanResult sim = Simulate(2);
  for (const RankReport& r : sim.ranks) {
    MeasuredRank m = AsMeasured(r);
    for (const CategoryRow& row : CompareCategories(r, m)) {
      if (row.name == "context" || row.name == "communication") continue;  // measured differently
      EXPECT_EQ(row.simulated, row.measured) << row.name;
    }
    const auto rows = CompareCategories(r, m);
    auto get = [&](const std::string& name) {
      for (const CategoryRow& row : rows) {
        if (row.name == name) return row.simulated;
      }
      ADD_FAILURE() << "no row " << name;
      return Bytes{0};
    };
    // Weights on the device: torch's reserved segments over load_model (on a SimDevice nothing else
    // moves in that phase), at least what vLLM logs (the allocated part).
    Bytes reserved_begin = -1, reserved_end = 0;
    for (const TimelineEvent& e : r.timeline.events) {
      if (e.phase != "load_model") continue;
      if (reserved_begin < 0) reserved_begin = e.reserved;
      reserved_end = e.reserved;
    }
    EXPECT_EQ(get("weights"), reserved_end - reserved_begin);
    EXPECT_GE(get("weights"), r.weights);
    // KV: one segment per layer, each rounded up to 2 MiB.
    EXPECT_GE(get("kv_pool"), r.kv_cache);
    EXPECT_LE(get("kv_pool"), r.kv_cache + 2 * kMiB * sim.cfg.model.num_layers);
    EXPECT_GT(get("activations"), 0);
    EXPECT_GE(get("context"), r.cuda_context);
    EXPECT_GE(get("communication"), r.nccl + r.custom_allreduce);
    EXPECT_EQ(get("final_used"), r.final_used);
  }
}

TEST(MeasureReportTest, TextNamesEveryPhaseAndBothOutcomes) {
  const PlanResult sim = Simulate(2);
  std::vector<MeasuredRank> measured;
  for (const RankReport& r : sim.ranks) measured.push_back(AsMeasured(r));
  const std::string text = RenderMeasureText(sim, measured);
  for (const PhaseSpan& p : sim.ranks[0].timeline.phases) EXPECT_NE(text.find(p.name), std::string::npos) << p.name;
  for (const char* s : {"# rank 0:", "# rank 1:", "context", "communication", "weights", "activations", "kv_pool",
                        "graphs", "# layer: decode step of 64 sequences x 512 tokens, 12 kernels", "# note: a note",
                        "# outcome: simulated ok"}) {
    EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
  }
  EXPECT_EQ(text.find("nan"), std::string::npos);
}

TEST(MeasureReportTest, JsonIsThePlanPlusAMeasuredBlock) {
  const PlanResult sim = Simulate(2);
  std::vector<MeasuredRank> measured;
  for (const RankReport& r : sim.ranks) measured.push_back(AsMeasured(r));
  measured[1].error_kind = ErrorKind::kOom;
  measured[1].error_message = "torch.OutOfMemoryError: CUDA out of memory.";
  const nlohmann::json j = MeasureToJson(sim, measured);
  EXPECT_EQ(j["schema"], "tpsim.plan/1");
  EXPECT_TRUE(j.contains("inputs") && j.contains("ranks") && j.contains("kv_cache"));
  const nlohmann::json& m = j["measured"];
  EXPECT_EQ(m["schema"], "tpsim.measure/1");
  ASSERT_EQ(m["ranks"].size(), 2u);
  EXPECT_EQ(m["ranks"][0]["outcome"], "ok");
  EXPECT_EQ(m["ranks"][1]["outcome"], "error");
  EXPECT_EQ(m["ranks"][1]["error"]["kind"], "oom");
  for (const char* c : {"context", "communication", "weights", "activations", "kv_pool", "graphs", "final_used"}) {
    EXPECT_TRUE(m["ranks"][0]["categories"].contains(c)) << c;
  }
  EXPECT_EQ(m["ranks"][0]["phases"].size(), sim.ranks[0].timeline.phases.size());
  EXPECT_EQ(m["ranks"][0]["graphs"]["kernel_nodes"], 3 * 64 * 12);
}

TEST(MeasureReportTest, MeasuredRankRoundTripsThroughJson) {
  const PlanResult sim = Simulate(1);
  MeasuredRank m = AsMeasured(sim.ranks[0]);
  m.nccl_init = 123 * kMiB;
  m.first_collective = 4 * kMiB;
  m.kernel_load = 6 * kMiB;
  m.layer_output_max_abs = 2.5;
  m.error_kind = ErrorKind::kKvCacheTooSmall;
  m.error_message = "ValueError: ...";
  auto back = MeasuredRankFromJson(MeasuredRankToJson(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->nccl_init, m.nccl_init);
  EXPECT_EQ(back->first_collective, m.first_collective);
  EXPECT_EQ(back->kernel_load, m.kernel_load);
  EXPECT_EQ(back->layer_output_max_abs, m.layer_output_max_abs);
  EXPECT_EQ(back->graph_nodes, m.graph_nodes);
  EXPECT_EQ(back->notes, m.notes);
  EXPECT_EQ(back->error_kind, m.error_kind);
  EXPECT_EQ(back->num_blocks, m.num_blocks);
  EXPECT_EQ(back->report.weights, m.report.weights);
  EXPECT_EQ(back->report.timeline.events.size(), m.report.timeline.events.size());
  EXPECT_FALSE(MeasuredRankFromJson("{}").ok());
  EXPECT_FALSE(MeasuredRankFromJson("not json").ok());
}

}  // namespace
}  // namespace tpsim
