// Which per-rank expert shapes vLLM's FP8-block, GPTQ and AWQ fused-MoE methods take, reroute or
// refuse, on the real Qwen3 MoE sizes (I = 768 for 30B-A3B, 1536 for 235B-A22B; H = 2048 / 4096).
#include "kernels/reference/moe_quant_split.h"

#include <gtest/gtest.h>

namespace tpsim::ref {
namespace {

constexpr int kBlock = 128;  // Qwen3-*-FP8 weight_block_size [128, 128]

TEST(MoeQuantSplitTest, Fp8BlockRefusesQwen3_30bAtTp4AndTakesItWithEp) {
  // TP: I_p = 768 / tp. TP 4 gives 192 (vllm-project/vllm issue #25292).
  EXPECT_TRUE(CheckFp8BlockMoePartition(768, 1, kBlock, kBlock).ok());
  EXPECT_TRUE(CheckFp8BlockMoePartition(384, 2, kBlock, kBlock).ok());
  EXPECT_EQ(CheckFp8BlockMoePartition(192, 4, kBlock, kBlock).message(),
            "The output_size of gate's and up's weight = 192 is not divisible by weight "
            "quantization block_n = 128.");
  EXPECT_FALSE(CheckFp8BlockMoePartition(96, 8, kBlock, kBlock).ok());
  // --enable-expert-parallel: whole experts, I_p = 768 at any tp.
  EXPECT_TRUE(CheckFp8BlockMoePartition(768, 4, kBlock, kBlock).ok());
  // 235B-A22B: 1536 / 8 = 192 fails the same way at TP 8.
  EXPECT_TRUE(CheckFp8BlockMoePartition(384, 4, kBlock, kBlock).ok());
  EXPECT_FALSE(CheckFp8BlockMoePartition(192, 8, kBlock, kBlock).ok());
}

TEST(MoeQuantSplitTest, Fp8BlockKCheckOnlyAboveTp1) {
  EXPECT_TRUE(CheckFp8BlockMoePartition(192, 1, 64, kBlock).ok());
  EXPECT_EQ(CheckFp8BlockMoePartition(192, 2, 64, kBlock).message(),
            "The input_size of down's weight = 192 is not divisible by weight quantization "
            "block_k = 128.");
  EXPECT_EQ(CheckFp8BlockMoePartition(0, 1, kBlock, kBlock).code(),
            Status::Code::kInvalidArgument);
}

TEST(MoeQuantSplitTest, MarlinAdmissionRule) {
  EXPECT_TRUE(MarlinMoeSupportsLayer(2048, 768, 128));
  EXPECT_TRUE(MarlinMoeSupportsLayer(2048, 384, 128));
  EXPECT_FALSE(MarlinMoeSupportsLayer(2048, 192, 128));  // 192 % max(64, 128)
  EXPECT_TRUE(MarlinMoeSupportsLayer(2048, 192, 64));
  EXPECT_FALSE(MarlinMoeSupportsLayer(2048, 96, 64));
  EXPECT_TRUE(MarlinMoeSupportsLayer(2048, 64, -1));   // channelwise: I_p % 64
  EXPECT_FALSE(MarlinMoeSupportsLayer(2000, 768, 128));  // H % 128
  EXPECT_FALSE(MarlinMoeSupportsLayer(2048, 768, 256));  // group not in {-1, 32, 64, 128}
}

TEST(MoeQuantSplitTest, GptqQwen3_30bFallsBackToMoeWna16AtTp4AndTp8) {
  const std::string prefix = "model.layers.0.mlp.experts";
  for (int i_p : {768, 384}) {
    auto plan = PlanWnaMoeLayer(WnaCheckpoint::kGptq, prefix, 2048, i_p, 128);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->kernel, WnaMoeKernel::kMarlin) << i_p;
    EXPECT_EQ(plan->group_size, 128);
    EXPECT_TRUE(plan->warning.empty());
  }
  auto tp4 = PlanWnaMoeLayer(WnaCheckpoint::kGptq, prefix, 2048, 192, 128);
  ASSERT_TRUE(tp4.ok());
  EXPECT_EQ(tp4->kernel, WnaMoeKernel::kMoeWna16);
  EXPECT_EQ(tp4->group_size, 64);
  EXPECT_EQ(tp4->group_size_div_factor, 2);
  EXPECT_EQ(tp4->warning,
            "Layer 'model.layers.0.mlp.experts' is not supported by GPTQMoeMarlin. Falling back "
            "to Moe WNA16 kernels.");
  auto tp8 = PlanWnaMoeLayer(WnaCheckpoint::kGptq, prefix, 2048, 96, 128);
  ASSERT_TRUE(tp8.ok());
  EXPECT_EQ(tp8->group_size, 32);
  EXPECT_EQ(tp8->group_size_div_factor, 4);
  // EP 4: whole experts, Marlin.
  EXPECT_EQ(PlanWnaMoeLayer(WnaCheckpoint::kGptq, prefix, 2048, 768, 128)->kernel,
            WnaMoeKernel::kMarlin);
}

TEST(MoeQuantSplitTest, AwqUsesItsOwnFallbackText) {
  auto plan = PlanWnaMoeLayer(WnaCheckpoint::kAwq, "model.layers.7.mlp.experts", 2048, 192, 128);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->warning,
            "Layer 'model.layers.7.mlp.experts' is not supported by AWQMoeMarlin. Falling back "
            "to Moe WNA16 kernels.");
}

TEST(MoeQuantSplitTest, MoeWna16RefusesAGroupBelow32) {
  // I_p = 48 (768 / 16): 128 -> 64 -> 32 -> 16, below 32.
  EXPECT_EQ(PlanWnaMoeLayer(WnaCheckpoint::kGptq, "p", 2048, 48, 128).status().message(),
            "AssertionError: group_size >= 32 (MoeWNA16Method.create_weights: no group size from "
            "128 down to 32 divides intermediate_size_per_partition 48 and hidden_size 2048)");
  EXPECT_EQ(PlanWnaMoeLayer(WnaCheckpoint::kGptq, "p", 2048, 48, 0).status().code(),
            Status::Code::kInvalidArgument);
  // Channelwise (-1) never halves.
  auto channelwise = PlanWnaMoeLayer(WnaCheckpoint::kGptq, "p", 2048, 48, -1);
  ASSERT_TRUE(channelwise.ok());
  EXPECT_EQ(channelwise->kernel, WnaMoeKernel::kMoeWna16);
  EXPECT_EQ(channelwise->group_size, -1);
}

}  // namespace
}  // namespace tpsim::ref
