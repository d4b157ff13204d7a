#include "sim/engine/engine_constants.h"

#include <gtest/gtest.h>

#include "sim/model/model_config.h"
#include "topology/json_util.h"

namespace tpsim {
namespace {

TEST(EngineConstantsTest, ConfigFileMirrorsTheCodeDefaults) {
  StatusOr<std::string> text = json_util::ReadFile(DefaultConfigsDir() + "/engine.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  StatusOr<EngineConstants> loaded = ParseEngineConstants(*text, "engine.json");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const EngineConstants defaults;
  EXPECT_TRUE(*loaded == defaults);  // every field (operator== is the defaulted member-wise one)
  // The values the replay was calibrated with (startup.cc used them as constants).
  EXPECT_EQ(defaults.graph_bytes_per_node, 16 * kKiB);
  EXPECT_EQ(defaults.graph_kernels_per_layer, 12);
}

TEST(EngineConstantsTest, PartialFileKeepsDefaultsAndBadFilesFail) {
  StatusOr<EngineConstants> partial =
      ParseEngineConstants(R"({"cuda_graphs": {"bytes_per_captured_node": 32768}})", "x.json");
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ(partial->graph_bytes_per_node, 32768);
  EXPECT_EQ(partial->graph_kernels_per_layer, EngineConstants{}.graph_kernels_per_layer);
  EXPECT_EQ(partial->matmul_efficiency, EngineConstants{}.matmul_efficiency);
  EXPECT_FALSE(ParseEngineConstants("not json", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants("[]", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"cuda_graphs": 3})", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"cuda_graphs": {"kernels_per_layer": 0}})", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"cuda_graphs": {"bytes_per_captured_node": -1}})", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"simulated_clock": {"matmul_efficiency": 0}})", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"simulated_clock": {"graph_capture_seconds": -1}})", "x.json").ok());
  EXPECT_FALSE(ParseEngineConstants(R"({"simulated_clock": {"matmul_efficiency": "half"}})", "x.json").ok());
}

}  // namespace
}  // namespace tpsim
