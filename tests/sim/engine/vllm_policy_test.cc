#include "sim/engine/vllm_policy.h"

#include <gtest/gtest.h>

namespace tpsim {
namespace {

ProfileReadings Readings() {
  ProfileReadings r;
  r.requested = 20 * kGiB;
  r.weights = 9 * kGiB;
  r.init.cuda_used = 1 * kGiB;  // context (+ NCCL when the snapshot follows distributed init)
  r.init.torch_reserved = 0;
  r.before_profile.torch_allocated = 9 * kGiB + 100 * kMiB;  // weights + runner buffers
  r.peak_during_profile = r.before_profile.torch_allocated + 512 * kMiB;
  r.after_profile.cuda_used = 1 * kGiB + 256 * kMiB + 9 * kGiB + 200 * kMiB;  // + lazily loaded kernels
  r.after_profile.torch_reserved = 9 * kGiB + 200 * kMiB;
  r.after_profile.torch_allocated = 9 * kGiB + 120 * kMiB;  // cuBLAS workspace kept
  r.cudagraph_estimate = 700 * kMiB;
  return r;
}

const VllmPolicy& P(VllmEra era) { return PolicyFor(era); }

constexpr VllmEra kEras[] = {VllmEra::kV0,      VllmEra::kV1_0_8,  VllmEra::kV1_0_9_1,
                             VllmEra::kV1_0_11, VllmEra::kV1_0_18, VllmEra::kV1_0_20};

TEST(VllmPolicyTest, ThreeTermsFormulaOfV1) {
  const KvBudget b = P(VllmEra::kV1_0_11).Budget(Readings(), false);
  EXPECT_EQ(b.activation_peak, 512 * kMiB);
  EXPECT_EQ(b.non_torch, 256 * kMiB);  // (used - reserved) after minus before
  EXPECT_EQ(b.available, 20 * kGiB - 9 * kGiB - 512 * kMiB - 256 * kMiB);
}

TEST(VllmPolicyTest, V018SubtractsTheGraphEstimateOnlyWhenAsked) {
  const ProfileReadings r = Readings();
  const Bytes without = P(VllmEra::kV1_0_18).Budget(r, false).available;
  const Bytes with = P(VllmEra::kV1_0_18).Budget(r, true).available;
  EXPECT_EQ(without - with, 700 * kMiB);
  EXPECT_EQ(P(VllmEra::kV1_0_20).Budget(r, true).available, with);
  EXPECT_TRUE(P(VllmEra::kV1_0_18).EstimatesCudaGraphs());
  EXPECT_FALSE(P(VllmEra::kV1_0_11).EstimatesCudaGraphs());
  // Before 0.18 nothing is subtracted, whatever is asked.
  EXPECT_EQ(P(VllmEra::kV1_0_11).Budget(r, true).available, without);
  // Whether it is subtracted: the env var in 0.18-0.19, always from 0.20, never before.
  EXPECT_FALSE(P(VllmEra::kV1_0_18).SubtractsCudaGraphEstimate(false));
  EXPECT_TRUE(P(VllmEra::kV1_0_18).SubtractsCudaGraphEstimate(true));
  EXPECT_TRUE(P(VllmEra::kV1_0_20).SubtractsCudaGraphEstimate(false));
  EXPECT_FALSE(P(VllmEra::kV1_0_11).SubtractsCudaGraphEstimate(true));
}

TEST(VllmPolicyTest, V1Of08CountsEverythingOutsideAllocatedAsNonTorch) {
  const ProfileReadings r = Readings();
  const KvBudget b = P(VllmEra::kV1_0_8).Budget(r, false);
  // The context, lazily loaded kernels and torch's cached-but-free blocks all count.
  EXPECT_EQ(b.non_torch, r.after_profile.cuda_used - r.after_profile.torch_allocated);
  EXPECT_EQ(b.available, r.requested - r.peak_during_profile - b.non_torch);
  EXPECT_LT(b.available, P(VllmEra::kV1_0_9_1).Budget(r, false).available);
}

TEST(VllmPolicyTest, SnapshotPlacementAndConcurrencyByEra) {
  EXPECT_TRUE(P(VllmEra::kV0).SnapshotBeforeDistributedInit());
  EXPECT_TRUE(P(VllmEra::kV1_0_9_1).SnapshotBeforeDistributedInit());
  EXPECT_FALSE(P(VllmEra::kV1_0_11).SnapshotBeforeDistributedInit());
  // >= 0.9.1: blocks / ceil(len / block); before: tokens / len.
  EXPECT_DOUBLE_EQ(P(VllmEra::kV1_0_11).MaxConcurrency(100, 16, 1000), 100.0 / 63);
  EXPECT_DOUBLE_EQ(P(VllmEra::kV0).MaxConcurrency(100, 16, 1000), 1.6);
  // V1 >= 0.9.1 rounds the request up (ceil), V0 truncates.
  EXPECT_EQ(P(VllmEra::kV1_0_11).Requested(1001, 0.5), 501);
  EXPECT_EQ(P(VllmEra::kV0).Requested(1001, 0.5), 500);
}

TEST(VllmPolicyTest, EachEraNamesItselfWithTheReleaseTablesName) {
  for (VllmEra era : kEras) {
    EXPECT_EQ(P(era).era(), era);
    EXPECT_EQ(P(era).name(), VllmEraName(era));
  }
  EXPECT_EQ(P(VllmEra::kV1_0_20).name(), "V1 (0.20+)");
}

TEST(VllmPolicyTest, UtilizationAndMarlinDefaults) {
  EXPECT_DOUBLE_EQ(P(VllmEra::kV1_0_18).DefaultGpuMemoryUtilization(), 0.90);
  EXPECT_DOUBLE_EQ(P(VllmEra::kV1_0_20).DefaultGpuMemoryUtilization(), 0.92);  // PR #38284
  EXPECT_DOUBLE_EQ(P(VllmEra::kV0).DefaultGpuMemoryUtilization(), 0.90);
  // Marlin on Turing from PR #31008 (0.14), inside the 0.11-0.17 era.
  EXPECT_EQ(P(VllmEra::kV1_0_11).MarlinMinComputeCapability({0, 13, 0}), 80);
  EXPECT_EQ(P(VllmEra::kV1_0_11).MarlinMinComputeCapability({0, 14, 0}), 75);
  EXPECT_EQ(P(VllmEra::kV1_0_20).MarlinMinComputeCapability({0, 20, 0}), 75);
  EXPECT_EQ(P(VllmEra::kV0).MarlinMinComputeCapability({0, 10, 1}), 80);
}

SchedulerInputs Card(const char* name, double gib) {
  SchedulerInputs in;
  in.gpu_name = name;
  in.gpu_total = static_cast<Bytes>(gib * static_cast<double>(kGiB));
  in.max_model_len = 8192;
  return in;
}

TEST(VllmPolicyTest, V1BatchDefaultsMovedAtThreeReleasesOfTheFirstEra) {
  const VllmPolicy& p = P(VllmEra::kV1_0_8);
  // Before 0.8.4 the small-card S is 1024; from 0.8.4 256.
  EXPECT_EQ(p.DefaultScheduler({0, 8, 3}, Card("RTX 4090", 23.5)).max_num_seqs, 1024);
  EXPECT_EQ(p.DefaultScheduler({0, 8, 4}, Card("RTX 4090", 23.5)).max_num_seqs, 256);
  // Before 0.8.5 the big defaults go by name (H100/H200), from 0.8.5 by memory, from 0.9.0 not on A100.
  EXPECT_EQ(p.DefaultScheduler({0, 8, 4}, Card("A100-SXM4-80GB", 79.2)).max_num_batched_tokens, 2048);
  EXPECT_EQ(p.DefaultScheduler({0, 8, 5}, Card("A100-SXM4-80GB", 79.2)).max_num_batched_tokens, 8192);
  EXPECT_EQ(p.DefaultScheduler({0, 9, 0}, Card("A100-SXM4-80GB", 79.2)).max_num_batched_tokens, 2048);
  EXPECT_EQ(p.DefaultScheduler({0, 8, 4}, Card("H100 80GB HBM3", 79.2)).max_num_seqs, 1024);
  SchedulerInputs llm = Card("RTX 4090", 23.5);
  llm.usage_llm = true;
  EXPECT_EQ(p.DefaultScheduler({0, 8, 5}, llm).max_num_batched_tokens, 8192);
  // V1 before 0.12 always chunks.
  llm.enable_chunked_prefill = false;
  EXPECT_TRUE(p.DefaultScheduler({0, 8, 5}, llm).chunked_prefill);
  EXPECT_TRUE(P(VllmEra::kV1_0_11).DefaultScheduler({0, 11, 1}, llm).chunked_prefill);
  EXPECT_FALSE(P(VllmEra::kV1_0_11).DefaultScheduler({0, 12, 0}, llm).chunked_prefill);
}

TEST(VllmPolicyTest, SchedulerCapsFrom012AndV0sOwnDefaults) {
  SchedulerDefaults d;
  d.chunked_prefill = true;
  d.max_num_seqs = 256;
  d.max_num_batched_tokens = 2048;
  const VllmPolicy& p = P(VllmEra::kV1_0_11);
  // T <= S x max_model_len and then S <= T from 0.12.
  EXPECT_EQ(p.DefaultBatchedTokens({0, 11, 0}, d, 4, 256), 2048);
  EXPECT_EQ(p.DefaultBatchedTokens({0, 12, 0}, d, 4, 256), 1024);
  EXPECT_EQ(p.CapDefaultMaxNumSeqs({0, 11, 0}, 256, 100), 256);
  EXPECT_EQ(p.CapDefaultMaxNumSeqs({0, 12, 0}, 256, 100), 100);
  d.chunked_prefill = false;  // T rises to the context without chunked prefill
  EXPECT_EQ(p.DefaultBatchedTokens({0, 12, 0}, d, 16384, 256), 16384);
  // V0: chunked prefill only past 32K tokens; T = max(len, 2048) without it.
  SchedulerInputs in = Card("RTX 4090", 23.5);
  in.max_model_len = 16384;
  SchedulerDefaults v0 = P(VllmEra::kV0).DefaultScheduler({0, 10, 1}, in);
  EXPECT_FALSE(v0.chunked_prefill);
  EXPECT_EQ(v0.max_num_batched_tokens, 16384);
  EXPECT_EQ(v0.max_num_seqs, 256);
  in.max_model_len = 40000;
  EXPECT_TRUE(P(VllmEra::kV0).DefaultScheduler({0, 10, 1}, in).chunked_prefill);
  EXPECT_EQ(P(VllmEra::kV0).DefaultBatchedTokens({0, 10, 1}, v0, 16384, 1), 16384);  // no caps
}

TEST(VllmPolicyTest, CaptureSizesByRelease) {
  const VllmPolicy& v18 = P(VllmEra::kV1_0_18);
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 256, 8192, 0).size(), 51u);
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 128, 8192, 0).size(), 35u);
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 64, 8192, 0).size(), 19u);
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 256, 8192, 0).front(), 512);
  EXPECT_EQ(P(VllmEra::kV0).CaptureSizes({0, 8, 5}, 64, 32768, 0).size(), 11u);  // up to the first >= S
  // Before 0.10 the default maximum is 512 whatever S; from 0.10 min(2 S, 512); capped at T from 0.9.
  EXPECT_EQ(P(VllmEra::kV1_0_8).CaptureSizes({0, 8, 5}, 64, 256, 0).front(), 512);
  EXPECT_EQ(P(VllmEra::kV1_0_8).CaptureSizes({0, 9, 0}, 64, 256, 0).front(), 256);
  EXPECT_EQ(P(VllmEra::kV1_0_9_1).CaptureSizes({0, 9, 2}, 64, 8192, 0).front(), 512);
  EXPECT_EQ(P(VllmEra::kV1_0_9_1).CaptureSizes({0, 10, 0}, 64, 8192, 0).front(), 128);
  // Steps of 8 to 512 before 0.12 (67 sizes), of 16 above 256 from 0.12 (51 sizes).
  EXPECT_EQ(P(VllmEra::kV1_0_11).CaptureSizes({0, 11, 0}, 256, 8192, 0).size(), 67u);
  EXPECT_EQ(P(VllmEra::kV1_0_11).CaptureSizes({0, 12, 0}, 256, 8192, 0).size(), 51u);
  // --max-cudagraph-capture-size, capped at T.
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 256, 8192, 100).front(), 96);
  EXPECT_EQ(v18.CaptureSizes({0, 19, 0}, 256, 64, 100).front(), 64);
  EXPECT_EQ(P(VllmEra::kV1_0_8).GraphMode(), CudaGraphMode::kPiecewise);
  EXPECT_EQ(P(VllmEra::kV1_0_11).GraphMode(), CudaGraphMode::kFullAndPiecewise);
  EXPECT_EQ(P(VllmEra::kV0).GraphMode(), CudaGraphMode::kPiecewise);
}

TEST(VllmPolicyTest, SamplerPathByRelease) {
  EXPECT_EQ(P(VllmEra::kV0).SamplerPathFor({0, 10, 1}, 256), SamplerPath::kSort);
  EXPECT_TRUE(P(VllmEra::kV0).SamplerComputesLogprobs());
  EXPECT_FALSE(P(VllmEra::kV1_0_8).SamplerComputesLogprobs());
  EXPECT_EQ(P(VllmEra::kV1_0_8).SamplerPathFor({0, 8, 5}, 256), SamplerPath::kFlashInfer);
  EXPECT_EQ(P(VllmEra::kV1_0_9_1).SamplerPathFor({0, 10, 1}, 256), SamplerPath::kFlashInfer);
  EXPECT_EQ(P(VllmEra::kV1_0_9_1).SamplerPathFor({0, 10, 2}, 256), SamplerPath::kSort);
  EXPECT_EQ(P(VllmEra::kV1_0_18).SamplerPathFor({0, 18, 0}, 256), SamplerPath::kSort);
  EXPECT_EQ(P(VllmEra::kV1_0_18).SamplerPathFor({0, 19, 0}, 256), SamplerPath::kTriton);
  EXPECT_EQ(P(VllmEra::kV1_0_18).SamplerPathFor({0, 19, 0}, 7), SamplerPath::kSort);  // N < 8
  EXPECT_EQ(P(VllmEra::kV1_0_20).SamplerPathFor({0, 20, 0}, 8), SamplerPath::kTriton);
}

TEST(VllmPolicyTest, StartupStepsOfV0AndV1) {
  ResolvedConfig cfg;
  cfg.model.hidden_size = 4096;
  cfg.model.intermediate_size = 12288;
  cfg.max_num_batched_tokens = 2048;
  cfg.max_num_seqs = 256;
  cfg.max_model_len = 8192;
  cfg.capture_sizes = {512, 256};
  const VllmPolicy& v0 = P(VllmEra::kV0);
  const VllmPolicy& v1 = P(VllmEra::kV1_0_18);
  EXPECT_TRUE(v0.RunnerBuffers(cfg).empty());
  ASSERT_EQ(v1.RunnerBuffers(cfg).size(), 8u);
  EXPECT_EQ(v1.RunnerBuffers(cfg)[2].bytes, 2048 * 4096 * 2);  // inputs_embeds [T, H] bf16
  EXPECT_FALSE(v0.CompilesForward(false));
  EXPECT_TRUE(v1.CompilesForward(false));
  EXPECT_FALSE(v1.CompilesForward(true));
  EXPECT_FALSE(v0.WarmsUpSamplerAfterCapture());
  EXPECT_TRUE(v1.WarmsUpSamplerAfterCapture());
  // Whole-model graphs keep the eager live set; piecewise graphs one piece's.
  EXPECT_EQ(v0.CudaGraphPoolBytes(cfg), 512 * 2 * (5 * 4096 + 3 * 12288));
  EXPECT_EQ(v1.CudaGraphPoolBytes(cfg), 512 * 2 * (4096 + 3 * 12288));
  EXPECT_EQ(v0.ProfileNumReqs(256, 128), 256);
  EXPECT_EQ(v1.ProfileNumReqs(256, 128), 128);
  // Free-memory check at init from 0.9.1.
  EXPECT_FALSE(v0.ChecksFreeMemoryAtInit());
  EXPECT_FALSE(P(VllmEra::kV1_0_8).ChecksFreeMemoryAtInit());
  EXPECT_TRUE(P(VllmEra::kV1_0_9_1).ChecksFreeMemoryAtInit());
}

TEST(VllmPolicyTest, BlockRoundingOfBothEngines) {
  // V1: floor(floor(available / page) / L); V0: floor(available / (L x page)). Nested floor division
  // makes the two equal for positive sizes; both are checked against the direct count.
  const Bytes page = 64 * kKiB;
  for (Bytes available : {Bytes{1}, page * 40 - 1, page * 40, 13 * kGiB + 12345}) {
    const std::int64_t want = available / (page * 4);
    EXPECT_EQ(P(VllmEra::kV1_0_11).NumBlocks(available, page, 4), want) << available;
    EXPECT_EQ(P(VllmEra::kV0).NumBlocks(available, page, 4), want) << available;
  }
  EXPECT_EQ(P(VllmEra::kV0).NumBlocks(page * 40 - 1, page, 4), 9);
}

}  // namespace
}  // namespace tpsim
