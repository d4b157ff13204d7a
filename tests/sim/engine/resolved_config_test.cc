#include "sim/engine/resolved_config.h"

#include <gtest/gtest.h>

#include "sim/model/model_config.h"

namespace tpsim {
namespace {

ResolvedConfig Resolve(EngineArgs a) {
  auto c = ResolveEngineArgs(a, DefaultConfigsDir());
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(ResolvedConfigTest, BatchDefaultsFollowVersionAndCard) {
  EngineArgs a;
  a.max_model_len = 32768;
  a.vllm_version = "0.19.0";
  ResolvedConfig c = Resolve(a);  // RTX 4090, serve
  EXPECT_EQ(c.max_num_batched_tokens, 2048);
  EXPECT_EQ(c.max_num_seqs, 256);
  EXPECT_DOUBLE_EQ(c.gpu_memory_utilization, 0.90);
  a.usage_context = "llm";
  EXPECT_EQ(Resolve(a).max_num_batched_tokens, 8192);
  a.usage_context = "serve";
  a.gpu = "h100-sxm";  // >= 70 GiB and not an A100
  c = Resolve(a);
  EXPECT_EQ(c.max_num_batched_tokens, 8192);
  EXPECT_EQ(c.max_num_seqs, 1024);
  a.vllm_version = "0.20.0";
  EXPECT_DOUBLE_EQ(Resolve(a).gpu_memory_utilization, 0.92);
  a.gpu = "rtx4090";
  a.vllm_version = "0.8.3";
  EXPECT_EQ(Resolve(a).max_num_seqs, 1024);  // before PR #16158
}

TEST(ResolvedConfigTest, ChunkedPrefillOffRaisesTokensToTheContext) {
  EngineArgs a;
  a.max_model_len = 16384;
  a.enable_chunked_prefill = false;
  ResolvedConfig c = Resolve(a);
  EXPECT_FALSE(c.chunked_prefill);
  EXPECT_EQ(c.max_num_batched_tokens, 16384);
  a.vllm_version = "0.10.1";  // V1 before PR #28665 always chunks
  EXPECT_TRUE(Resolve(a).chunked_prefill);
}

TEST(ResolvedConfigTest, CaptureSizesAndGraphModeComeFromTheEra) {
  EngineArgs a;
  a.max_model_len = 8192;
  a.max_num_seqs = 128;
  ResolvedConfig c = Resolve(a);  // 0.19.0: FULL_AND_PIECEWISE, FULL sizes up to S
  EXPECT_EQ(c.capture_sizes.size(), 35u);
  EXPECT_EQ(c.cudagraph_mode, CudaGraphMode::kFullAndPiecewise);
  EXPECT_EQ(c.full_capture_sizes.front(), 128);
  a.vllm_version = "0.10.1";
  c = Resolve(a);
  EXPECT_EQ(c.cudagraph_mode, CudaGraphMode::kPiecewise);
  EXPECT_TRUE(c.full_capture_sizes.empty());
  a.enforce_eager = true;
  c = Resolve(a);
  EXPECT_EQ(c.cudagraph_mode, CudaGraphMode::kNone);
  EXPECT_TRUE(c.capture_sizes.empty());
}

TEST(ResolvedConfigTest, CarriesTheReleasesCommunicationFeaturesAndConstants) {
  EngineArgs a;
  a.max_model_len = 8192;
  a.vllm_version = "0.10.1";
  ResolvedConfig c = Resolve(a);
  EXPECT_FALSE(c.comm_features.nccl_cumem_default);
  EXPECT_TRUE(c.comm_features.dist_init_in_non_torch_increase);
  EXPECT_EQ(c.comm_features.nccl, (NcclVersion{2, 26, 2}));
  EXPECT_EQ(c.comm_features.vllm_release, "0.10.1");
  ASSERT_NE(c.constants, nullptr);
  EXPECT_EQ(&c.config_constants(), c.constants.get());
  ResolvedConfig hand_built;
  EXPECT_EQ(&hand_built.config_constants(), &DefaultConfigConstants());
}

TEST(ResolvedConfigTest, EraAndMarlinFollowVersionAndComputeCapability) {
  EngineArgs a;
  a.max_model_len = 8192;
  a.gpu = "rtx2080ti-22g";
  a.vllm_version = "0.8.5";
  ResolvedConfig c = Resolve(a);
  EXPECT_EQ(c.era, VllmEra::kV0);                 // Turing falls back to V0
  EXPECT_EQ(c.linear, LinearMethod::kAwq);        // Marlin needs sm_80 before PR #31008
  EXPECT_EQ(c.dtype, DType::kF16);
  a.gpu = "rtx4090";
  c = Resolve(a);
  EXPECT_EQ(c.era, VllmEra::kV1_0_8);
  EXPECT_EQ(c.linear, LinearMethod::kAwqMarlin);
  a.quantization = "awq";
  c = Resolve(a);
  EXPECT_EQ(c.linear, LinearMethod::kAwq);
  EXPECT_NE(c.linear_log_line.find("forcing awq"), std::string::npos);
}

TEST(ResolvedConfigTest, RejectionsUseVllmWords) {
  EngineArgs a;
  a.max_model_len = 50000;
  auto c = ResolveEngineArgs(a, DefaultConfigsDir());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("User-specified max_model_len (50000) is greater than the derived"),
            std::string::npos);
  a.max_model_len = 8192;
  a.max_num_seqs = 512;
  a.max_num_batched_tokens = 256;
  c = ResolveEngineArgs(a, DefaultConfigsDir());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("must be greater than or equal to max_num_seqs"), std::string::npos);
}

}  // namespace
}  // namespace tpsim
