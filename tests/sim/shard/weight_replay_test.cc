#include "sim/shard/weight_replay.h"

#include <gtest/gtest.h>

#include "sim/device/sim_device.h"
#include "tests/testing/model_fixtures.h"

namespace tpsim {
namespace {

double ReplayGiB(const ModelConfig& model, int tp, LinearMethod method) {
  ShardOptions opt;
  opt.tp = tp;
  opt.model_dtype = DType::kF16;
  opt.linear = method;
  auto plan = BuildShardPlan(model, opt);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  SimDevice dev("sim", 200 * kGiB);
  CachingAllocator alloc(&dev);
  auto loaded = ReplayWeightLoad(*plan, &alloc);
  EXPECT_TRUE(loaded.ok());
  return ToGiB(loaded->allocated_increase);
}

// vLLM logged "Model loading took 4.5804 GiB" (calibration C030, plain awq on Turing, tp 4);
// research §6.4 replays 4.5806 where the plain tensor sum is 4.510.
TEST(WeightReplayTest, Qwen3_32B_Awq_Tp4_MatchesVllmLog) {
  EXPECT_NEAR(ReplayGiB(testing::Qwen3_32B_Awq(), 4, LinearMethod::kAwq), 4.5806, 0.0005);
}

// DeepSeek-R1-0528-Qwen3-8B (Qwen3-8B shapes, yarn rope 32768 x 4), fp16, tp 4: logged 3.8459 GiB (C028).
TEST(WeightReplayTest, Qwen3_8B_Fp16_Tp4_MatchesVllmLog) {
  ModelConfig m = testing::Qwen3_8B();
  m.max_position_embeddings = 131072;
  m.rope_type = "yarn";
  m.rope_factor = 4.0;
  m.rope_original_max_position = 32768;
  EXPECT_NEAR(ReplayGiB(m, 4, LinearMethod::kUnquantized), 3.8458, 0.0005);
}

// research §6.4 replay table (checkpoint AWQ layout, fp16, rotary cache 10 MiB).
TEST(WeightReplayTest, AwqTableOfResearch) {
  const double k14[] = {9.367, 4.692, 2.363, 1.186};
  const double k32[] = {18.142, 9.057, 4.581, 2.297};
  const int tps[] = {1, 2, 4, 8};
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(ReplayGiB(testing::Qwen3_14B_Awq(), tps[i], LinearMethod::kAwq), k14[i], 0.0015)
        << "14B tp " << tps[i];
    EXPECT_NEAR(ReplayGiB(testing::Qwen3_32B_Awq(), tps[i], LinearMethod::kAwq), k32[i], 0.0015)
        << "32B tp " << tps[i];
  }
}

TEST(WeightReplayTest, ReplayExceedsTensorSumByUnsplitTails) {
  ShardOptions opt;
  opt.tp = 4;
  opt.model_dtype = DType::kF16;
  opt.linear = LinearMethod::kAwq;
  auto plan = BuildShardPlan(testing::Qwen3_32B_Awq(), opt);
  ASSERT_TRUE(plan.ok());
  SimDevice dev("sim", 200 * kGiB);
  CachingAllocator alloc(&dev);
  auto loaded = ReplayWeightLoad(*plan, &alloc);
  ASSERT_TRUE(loaded.ok());
  // gate_up qweight 31.25 MiB and down qweight 15.625 MiB leave 0.75 + 0.375 MiB unsplit per layer.
  EXPECT_NEAR(ToMiB(loaded->allocated_increase - loaded->tensor_bytes), 64 * 1.125, 2.0);
}

}  // namespace
}  // namespace tpsim
