// The sharding proof through the AWQ path: quantise every linear, shard the packed tensors as vLLM
// loads them, dequantise per rank, run the ranks, and compare with the unsharded dequantised layer.
#include "kernels/reference/awq_layer.h"

#include <gtest/gtest.h>

#include "kernels/reference/layer_sharding.h"
#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

using testing::kRmsNormEps;
using testing::kTokens;

constexpr int kGroup = 16;

class AwqShardTest : public ::testing::TestWithParam<int> {};

TEST_P(AwqShardTest, ShardedDequantisedRanksEqualTheUnshardedDequantisedLayer) {
  const int tp = GetParam();
  const Qwen3LayerDims d = testing::SmallDims();
  auto quant = QuantizeQwen3Layer(RandomQwen3Layer(d, 4321), kGroup);
  ASSERT_TRUE(quant.ok()) << quant.status().ToString();
  const Qwen3LayerWeights dequant_full = DequantizeQwen3Layer(*quant);
  const Matrix cos_sin = BuildCosSinCache(d.head_dim, testing::kMaxPosition, testing::kRopeTheta);
  const Matrix x = testing::RandomActivations(kTokens, d.hidden_size, 55);
  const std::vector<int> pos = testing::ChunkPositions(kTokens);

  std::vector<Qwen3LayerWeights> ranks;
  for (int r = 0; r < tp; ++r) {
    auto shard = ShardAwqQwen3Layer(*quant, tp, r);
    ASSERT_TRUE(shard.ok()) << shard.status().ToString();
    // Packed shapes as vLLM's create_weights makes them for this rank.
    const int kv = tp <= d.num_kv_heads ? d.num_kv_heads / tp : 1;
    const int qkv_n = (d.num_heads / tp + 2 * kv) * d.head_dim;
    EXPECT_EQ(shard->qkv_proj.qweight.rows(), d.hidden_size);
    EXPECT_EQ(shard->qkv_proj.qweight.cols(), qkv_n / kAwqPackFactor);
    EXPECT_EQ(shard->qkv_proj.scales.cols(), qkv_n);
    EXPECT_EQ(shard->o_proj.qweight.rows(), d.num_heads / tp * d.head_dim);
    EXPECT_EQ(shard->o_proj.qzeros.rows(), d.num_heads / tp * d.head_dim / kGroup);
    EXPECT_EQ(shard->gate_up_proj.scales.cols(), 2 * d.intermediate_size / tp);
    EXPECT_EQ(shard->down_proj.scales.rows(), d.intermediate_size / tp / kGroup);

    Qwen3LayerWeights w = DequantizeQwen3Layer(*shard);
    // Dequantising the packed shard is bit-identical to sharding the dequantised layer.
    auto float_shard = ShardQwen3Layer(dequant_full, tp, r);
    ASSERT_TRUE(float_shard.ok());
    EXPECT_EQ(w.qkv_proj, float_shard->qkv_proj) << "rank " << r;
    EXPECT_EQ(w.o_proj, float_shard->o_proj) << "rank " << r;
    EXPECT_EQ(w.gate_up_proj, float_shard->gate_up_proj) << "rank " << r;
    EXPECT_EQ(w.down_proj, float_shard->down_proj) << "rank " << r;
    ranks.push_back(std::move(w));
  }
  auto want = Qwen3DecoderLayerForward(dequant_full, x, pos, cos_sin, kRmsNormEps);
  ASSERT_TRUE(want.ok());
  auto got = TensorParallelQwen3LayerForward(ranks, x, pos, cos_sin, kRmsNormEps);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_LT(testing::RelativeError(*got, *want), testing::kShardTolerance) << "tp " << tp;
}

INSTANTIATE_TEST_SUITE_P(Tp, AwqShardTest, ::testing::Values(1, 2, 4, 8),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Tp" + std::to_string(info.param);
                         });

TEST(AwqShardRefusalTest, InputPerRankNotAMultipleOfTheGroup) {
  // g = 32: at tp 8, o_proj's input 128 / 8 = 16 is not a multiple of 32.
  auto quant = QuantizeQwen3Layer(RandomQwen3Layer(testing::SmallDims(), 1), 32);
  ASSERT_TRUE(quant.ok());
  EXPECT_TRUE(ShardAwqQwen3Layer(*quant, 4, 0).ok());
  EXPECT_EQ(ShardAwqQwen3Layer(*quant, 8, 0).status().message(),
            "The input size is not aligned with the quantized weight shape. This can be caused by "
            "too large tensor parallel size.");
}

TEST(AwqShardRefusalTest, OutputPerRankNotAMultipleOfEight) {
  // hd = 4: at tp 8 a rank's qkv output is (1 + 2) * 4 = 12 columns, not a whole packed word.
  const Qwen3LayerDims d{64, 8, 2, 4, 128};
  auto quant = QuantizeQwen3Layer(RandomQwen3Layer(d, 2), 16);
  ASSERT_TRUE(quant.ok()) << quant.status().ToString();
  EXPECT_EQ(ShardAwqQwen3Layer(*quant, 8, 0).status().message(),
            "The output size is not aligned with the quantized weight shape. This can be caused "
            "by too large tensor parallel size.");
}

TEST(AwqShardRefusalTest, HeadSplitErrorsComeFirst) {
  auto quant = QuantizeQwen3Layer(RandomQwen3Layer(testing::SmallDims(), 3), kGroup);
  ASSERT_TRUE(quant.ok());
  EXPECT_EQ(ShardAwqQwen3Layer(*quant, 3, 0).status().message(),
            "Total number of attention heads (8) must be divisible by tensor parallel size (3).");
}

}  // namespace
}  // namespace tpsim::ref
