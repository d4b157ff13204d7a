#include "topology/comm_constants.h"

#include <gtest/gtest.h>

namespace tpsim {
namespace {

const std::string kConfigs = std::string(TPSIM_SOURCE_DIR) + "/configs";

TEST(CommConstantsTest, ConfigFileMirrorsTheCodeDefaults) {
  auto loaded = LoadCommConstants(kConfigs);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const CommConstants defaults;
  EXPECT_EQ(loaded->nccl_ll_buffsize, defaults.nccl_ll_buffsize);
  EXPECT_EQ(loaded->nccl_ll128_buffsize, defaults.nccl_ll128_buffsize);
  EXPECT_EQ(loaded->nccl_simple_buffsize, defaults.nccl_simple_buffsize);
  EXPECT_EQ(loaded->nccl_max_nchannels, defaults.nccl_max_nchannels);
  EXPECT_EQ(loaded->default_cuda_context_bytes, defaults.default_cuda_context_bytes);
  EXPECT_EQ(loaded->first_forward_growth_bytes, defaults.first_forward_growth_bytes);
  EXPECT_EQ(loaded->nccl_device_code_bytes_by_sm, defaults.nccl_device_code_bytes_by_sm);
  EXPECT_TRUE(*loaded == defaults);
}

TEST(CommConstantsTest, NcclBuffersAreNcclsDefaults) {
  const CommConstants c;
  EXPECT_EQ(c.nccl_ll_buffsize, 8 * 512 * 8 * 16);      // LL lines x threads x steps x 16 B
  EXPECT_EQ(c.nccl_ll128_buffsize, 120 * 640 * 8 * 8);  // LL128 elems x threads x steps x 8 B
  EXPECT_EQ(c.nccl_simple_buffsize, 4 * kMiB);
}

TEST(CommConstantsTest, PartialFileKeepsDefaultsAndBadFilesFail) {
  auto partial = ParseCommConstants(R"({"nccl_buffers": {"simple_bytes": 1048576}})", "x.json");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->nccl_simple_buffsize, 1048576);
  EXPECT_EQ(partial->nccl_ll_buffsize, CommConstants{}.nccl_ll_buffsize);
  // The release table's pins in the same file are the engine's to read (release_table_test.cc).
  EXPECT_TRUE(ParseCommConstants(R"({"nccl_by_vllm": "not read here"})", "x.json").ok());
  EXPECT_FALSE(ParseCommConstants(R"({"nccl_buffers": {"simple_bytes": -1}})", "x.json").ok());
  EXPECT_FALSE(ParseCommConstants("not json", "x.json").ok());
  EXPECT_EQ(LoadCommConstants("/nonexistent").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace tpsim
