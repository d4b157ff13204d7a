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
  EXPECT_EQ(loaded->nccl_by_vllm, defaults.nccl_by_vllm);
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

TEST(CommConstantsTest, NcclFollowsTheVllmRelease) {
  const CommConstants c;
  EXPECT_EQ(NcclForVllm(c, {0, 19, 0}).nccl, (NcclVersion{2, 27, 5}));
  EXPECT_EQ(NcclForVllm(c, {0, 10, 2}).nccl, (NcclVersion{2, 27, 3}));
  EXPECT_EQ(NcclForVllm(c, {0, 10, 1}).nccl, (NcclVersion{2, 26, 2}));
  EXPECT_EQ(NcclForVllm(c, {0, 8, 5}).nccl, (NcclVersion{2, 21, 5}));
  EXPECT_EQ(NcclForVllm(c, {0, 2, 0}).nccl, c.nccl_by_vllm.front().nccl);  // older than the table
  for (size_t i = 1; i < c.nccl_by_vllm.size(); ++i) {
    EXPECT_LT(c.nccl_by_vllm[i - 1].first, c.nccl_by_vllm[i].first);
    EXPECT_FALSE(c.nccl_by_vllm[i].source.empty());
  }
}

TEST(CommConstantsTest, PartialFileKeepsDefaultsAndBadFilesFail) {
  auto partial = ParseCommConstants(R"({"nccl_buffers": {"simple_bytes": 1048576}})", "x.json");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->nccl_simple_buffsize, 1048576);
  EXPECT_EQ(partial->nccl_ll_buffsize, CommConstants{}.nccl_ll_buffsize);
  EXPECT_FALSE(ParseCommConstants(R"({"nccl_by_vllm": [{"vllm": "0.9.0", "nccl": "2.26.2"},
                                                        {"vllm": "0.8.0", "nccl": "2.21.5"}]})",
                                  "x.json")
                   .ok());
  EXPECT_FALSE(ParseCommConstants(R"({"nccl_buffers": {"simple_bytes": -1}})", "x.json").ok());
  EXPECT_FALSE(ParseCommConstants("not json", "x.json").ok());
  EXPECT_EQ(LoadCommConstants("/nonexistent").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace tpsim
