#include "topology/gpu_spec.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tpsim {
namespace {

const std::string kConfigs = std::string(TPSIM_SOURCE_DIR) + "/configs";

TEST(GpuSpecTest, ParsesEveryFieldOfTheSchema) {
  const std::string text = R"({"key": "x1", "name": "Card X1", "total_memory_bytes": 1000,
    "compute_capability": [9, 0], "sm_count": 7, "datacenter": true, "p2p_supported": true,
    "nvlink": {"version": 4, "links": 18, "gb_per_s_per_link": 25.5}, "nvswitch_default": true,
    "pcie": {"gen": 5, "lanes": 8}, "memory_bandwidth_gb_per_s": 10.5, "fp16_tensor_tflops": 1.25,
    "h2d_gb_per_s": 3.5, "cuda_context_bytes": 42, "sources": {"sm_count": "datasheet"}})";
  auto g = ParseGpuSpec(text, "x1");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->key, "x1");
  EXPECT_EQ(g->name, "Card X1");
  EXPECT_EQ(g->total_memory_bytes, 1000);
  EXPECT_EQ(g->compute_capability(), 90);
  EXPECT_EQ(g->sm_count, 7);
  EXPECT_TRUE(g->datacenter);
  EXPECT_TRUE(g->p2p_supported);
  EXPECT_EQ(g->nvlink_version, 4);
  EXPECT_EQ(g->nvlink_links, 18);
  EXPECT_DOUBLE_EQ(g->nvlink_gb_per_s_per_link, 25.5);
  EXPECT_TRUE(g->nvswitch_default);
  EXPECT_EQ(g->pcie_gen, 5);
  EXPECT_EQ(g->pcie_lanes, 8);
  EXPECT_DOUBLE_EQ(g->memory_bandwidth_gb_per_s, 10.5);
  EXPECT_DOUBLE_EQ(g->fp16_tensor_tflops, 1.25);
  EXPECT_DOUBLE_EQ(g->h2d_gb_per_s, 3.5);
  EXPECT_EQ(g->cuda_context_bytes, 42);
  EXPECT_EQ(g->sources.at("sm_count"), "datasheet");
}

TEST(GpuSpecTest, OptionalFieldsDefaultToZero) {
  auto g = ParseGpuSpec(R"({"name": "n", "total_memory_bytes": 5, "compute_capability": [8, 6]})", "k");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->key, "k");
  EXPECT_FALSE(g->p2p_supported);
  EXPECT_EQ(g->nvlink_links, 0);
  EXPECT_EQ(g->cuda_context_bytes, 0);
}

TEST(GpuSpecTest, MalformedFilesAreOneLineInvalidArgument) {
  const char* bad[] = {
      "{",                                                                        // not JSON
      "[1, 2]",                                                                   // not an object
      R"({"total_memory_bytes": 5, "compute_capability": [8, 6]})",               // no name
      R"({"name": "n", "compute_capability": [8, 6]})",                           // no total
      R"({"name": "n", "total_memory_bytes": 0, "compute_capability": [8, 6]})",  // total 0
      R"({"name": "n", "total_memory_bytes": 5, "compute_capability": "8.6"})",   // cc string
      R"({"name": "n", "total_memory_bytes": 5, "compute_capability": [8, 6], "sm_count": "many"})",
      R"({"key": "other", "name": "n", "total_memory_bytes": 5, "compute_capability": [8, 6]})",
  };
  for (const char* text : bad) {
    auto g = ParseGpuSpec(text, "k");
    ASSERT_FALSE(g.ok()) << text;
    EXPECT_EQ(g.status().code(), Status::Code::kInvalidArgument) << text;
    EXPECT_EQ(g.status().message().find('\n'), std::string::npos) << g.status().message();
    EXPECT_NE(g.status().message().find("gpus/k.json"), std::string::npos) << g.status().message();
  }
}

TEST(GpuSpecTest, LoadsBundledFilesByKeyAndListsThem) {
  std::vector<std::string> keys = GpuKeys(kConfigs);
  ASSERT_FALSE(keys.empty());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  for (const std::string& k : keys) {
    auto g = LoadGpuSpec(k, kConfigs);
    ASSERT_TRUE(g.ok()) << k << ": " << g.status().ToString();
    EXPECT_EQ(g->key, k);
    EXPECT_GT(g->total_memory_bytes, 0);
    EXPECT_GE(g->cc_major, 6);
  }
  auto upper = LoadGpuSpec("RTX4090", kConfigs);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->key, "rtx4090");
}

TEST(GpuSpecTest, UnknownKeyNamesTheKnownOnes) {
  auto g = LoadGpuSpec("rtx9999", kConfigs);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(g.status().message().rfind("unknown GPU 'rtx9999' (known: ", 0), 0u) << g.status().message();
  EXPECT_NE(g.status().message().find("rtx4090"), std::string::npos);
  // A path can never name a file outside configs/gpus.
  EXPECT_FALSE(LoadGpuSpec("../gpus/rtx4090", kConfigs).ok());
}

}  // namespace
}  // namespace tpsim
