// The unsharded MoE block equals its definition evaluated token by token, with and without the
// Qwen2-MoE shared expert, and malformed weights are refused.
#include "kernels/reference/moe_layer.h"

#include <gtest/gtest.h>

#include "tests/kernels/reference/moe_test_util.h"

namespace tpsim::ref {
namespace {

constexpr float kTolerance = testing::kMoeShardTolerance;  // measured ~3e-8 (float32 reordering)

TEST(MoeLayerTest, BlockEqualsTheTokenByTokenDefinition) {
  for (const MoeLayerDims& d : {testing::SmallQwen3MoeDims(), testing::SmallQwen2MoeDims()}) {
    const MoeLayerWeights w = RandomMoeLayer(d, 17);
    const Matrix x = testing::RandomActivations(11, d.hidden_size, 5);
    auto got = MoeBlockForward(w, x);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_LT(testing::RelativeError(*got, testing::NaiveMoeBlock(w, x)), kTolerance)
        << "shared expert " << d.shared_expert_intermediate_size;
    EXPECT_GT(MaxAbs(*got), 1e-2f);  // the comparison is not between two zeros
  }
}

TEST(MoeLayerTest, EveryTokenUsesExactlyTopKExperts) {
  // Zeroing one expert changes exactly the tokens routed to it.
  const MoeLayerDims d = testing::SmallQwen3MoeDims();
  MoeLayerWeights w = RandomMoeLayer(d, 3);
  const Matrix x = testing::RandomActivations(16, d.hidden_size, 4);
  const MoeRouting r = SoftmaxTopK(Linear(x, w.gate), d.top_k, d.norm_topk_prob);
  auto before = MoeBlockForward(w, x);
  ASSERT_TRUE(before.ok());
  w.experts[5].w2.setZero();
  auto after = MoeBlockForward(w, x);
  ASSERT_TRUE(after.ok());
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    bool uses5 = false;
    for (int j = 0; j < d.top_k; ++j) uses5 |= r.expert_ids(t, j) == 5;
    const float change = (before->row(t) - after->row(t)).cwiseAbs().maxCoeff();
    if (uses5) {
      EXPECT_GT(change, 1e-4f) << "token " << t;
    } else {
      EXPECT_EQ(change, 0.0f) << "token " << t;
    }
  }
}

TEST(MoeLayerTest, SharedExpertIsAddedThroughItsSigmoidGate) {
  const MoeLayerDims d = testing::SmallQwen2MoeDims();
  MoeLayerWeights w = RandomMoeLayer(d, 8);
  const Matrix x = testing::RandomActivations(5, d.hidden_size, 9);
  w.shared_expert_gate.setZero();  // sigmoid(0) = 1/2
  const Matrix shared = Linear(SiluAndMul(Linear(x, w.shared_gate_up)), w.shared_down);
  const MoeRouting r = SoftmaxTopK(Linear(x, w.gate), d.top_k, d.norm_topk_prob);
  auto got = MoeBlockForward(w, x);
  ASSERT_TRUE(got.ok());
  EXPECT_LT(MaxAbsDiff(*got, RoutedExpertsForward(w, x, r) + 0.5f * shared), kTolerance);
}

TEST(MoeLayerTest, MalformedBlocksAreRefused) {
  const MoeLayerDims d = testing::SmallQwen3MoeDims();
  const Matrix x = testing::RandomActivations(2, d.hidden_size, 1);
  MoeLayerWeights w = RandomMoeLayer(d, 1);
  w.experts[2].w13.resize(3, d.hidden_size);
  EXPECT_EQ(MoeBlockForward(w, x).status().message(), "experts.2.w13 is [3, 32], expected [32, 32]");

  w = RandomMoeLayer(d, 1);
  w.experts[3].expert_id = 2;  // duplicate id
  EXPECT_EQ(MoeBlockForward(w, x).status().code(), Status::Code::kInvalidArgument);

  w = RandomMoeLayer(d, 1);
  w.experts.pop_back();
  EXPECT_EQ(MoeBlockForward(w, x).status().message(),
            "the unsharded block needs all 8 experts, holds 7");

  w = RandomMoeLayer(d, 1);
  w.dims.top_k = 9;
  EXPECT_EQ(MoeBlockForward(w, x).status().message(), "top_k 9 exceeds num_experts 8");

  w = RandomMoeLayer(d, 1);
  EXPECT_EQ(MoeBlockForward(w, testing::RandomActivations(2, 31, 1)).status().message(),
            "x has 31 columns, expected hidden_size 32");

  MoeLayerWeights shared = RandomMoeLayer(testing::SmallQwen2MoeDims(), 2);
  shared.shared_down.resize(32, 23);
  EXPECT_EQ(MoeBlockForward(shared, x).status().message(),
            "shared_expert.down_proj is [32, 23], expected [32, 24]");
}

}  // namespace
}  // namespace tpsim::ref
