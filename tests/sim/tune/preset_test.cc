// The bundled seed-study preset: at least 50 runs over the flags the study names, both models, tp
// 1/2/4; preset parsing errors; and "model not bundled" exactly when a preset model's config is absent.
#include "sim/tune/preset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "sim/tune/sweep.h"

namespace tpsim {
namespace {

std::set<std::string> Values(const SweepGrid& g, const std::string& key) {
  for (const GridAxis& a : g.axes) {
    if (a.key == key) return {a.values.begin(), a.values.end()};
  }
  return {};
}

TEST(PresetTest, SeedStudyHasTheStudysGridAndAtLeastFiftyRuns) {
  auto p = LoadSweepPreset("seed-study", DefaultConfigsDir());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->name, "seed-study");
  EXPECT_EQ(p->findings, "seed-study");
  auto g = ParseGrid(p->grid);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_GE(g->size(), 50);
  EXPECT_EQ(Values(*g, "model"), (std::set<std::string>{"Qwen/Qwen3-14B-AWQ", "Qwen/Qwen3-32B-AWQ"}));
  EXPECT_EQ(Values(*g, "gpu"), (std::set<std::string>{"rtx4090"}));
  EXPECT_EQ(Values(*g, "tensor_parallel_size"), (std::set<std::string>{"1", "2", "4"}));
  EXPECT_EQ(Values(*g, "quantization"), (std::set<std::string>{"awq", "awq_marlin"}));
  EXPECT_EQ(Values(*g, "enforce_eager"), (std::set<std::string>{"0", "1"}));
  for (const char* key : {"gpu_memory_utilization", "max_model_len", "max_num_batched_tokens", "max_num_seqs"}) {
    EXPECT_GE(Values(*g, key).size(), 2u) << key;
  }
  EXPECT_GE(Values(*g, "gpu_memory_utilization").size(), 3u);  // a slope needs three points
}

TEST(PresetTest, SeedStudyFailsWithModelNotBundledExactlyWhenAConfigIsMissing) {
  auto p = LoadSweepPreset("seed-study", DefaultConfigsDir());
  ASSERT_TRUE(p.ok());
  auto g = ParseGrid(p->grid);
  ASSERT_TRUE(g.ok());
  std::string missing;
  for (const std::string& m : Values(*g, "model")) {
    if (!std::filesystem::exists(DefaultConfigsDir() + "/models/" + m + "/config.json")) missing = m;
  }
  auto s = Sweep::Create(EngineArgs(), *g, DefaultConfigsDir());
  if (missing.empty()) {
    EXPECT_TRUE(s.ok()) << s.status().ToString();
  } else {
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.status().message().find("model not bundled: " + missing), std::string::npos);
  }
}

TEST(PresetTest, ParseErrorsNameTheLine) {
  auto no_grid = ParseSweepPreset("name = x\n", "x");
  EXPECT_FALSE(no_grid.ok());
  auto unknown = ParseSweepPreset("grid = tp=1\ncolour = blue\n", "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseSweepPreset("grid tp=1\n", "x").ok());
  EXPECT_FALSE(ParseSweepPreset("grid = tp=1\nfindings = all\n", "x").ok());
  auto ok = ParseSweepPreset("# c\n; c\ngrid = tp=1,2\ngrid = max_model_len=8192\n", "x");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->grid, "tp=1,2 max_model_len=8192");
  EXPECT_EQ(ok->findings, "none");
}

TEST(PresetTest, UnknownPresetListsTheBundledOnes) {
  auto p = LoadSweepPreset("no-such-study", DefaultConfigsDir());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Status::Code::kNotFound);
  EXPECT_NE(p.status().message().find("seed-study"), std::string::npos);
}

}  // namespace
}  // namespace tpsim
