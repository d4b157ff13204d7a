// Tests of the unsharded Qwen3 decoder layer: shape validation and the residual structure.
#include "kernels/reference/qwen3_layer.h"

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

using testing::kRmsNormEps;
using testing::kTokens;

class RefQwen3LayerTest : public ::testing::Test {
 protected:
  Qwen3LayerWeights w_ = RandomQwen3Layer(testing::SmallDims(), 2024);
  Matrix cos_sin_ = BuildCosSinCache(16, testing::kMaxPosition, testing::kRopeTheta);
  Matrix x_ = testing::RandomActivations(kTokens, 64, 77);
  std::vector<int> pos_ = testing::ChunkPositions(kTokens);
};

TEST_F(RefQwen3LayerTest, RandomLayerIsWellFormedAndForwardKeepsTheShape) {
  ASSERT_TRUE(ValidateQwen3Layer(w_).ok());
  EXPECT_EQ(w_.qkv_proj.rows(), (8 + 2 * 2) * 16);
  auto out = Qwen3DecoderLayerForward(w_, x_, pos_, cos_sin_, kRmsNormEps);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->rows(), kTokens);
  EXPECT_EQ(out->cols(), 64);
  EXPECT_TRUE(out->allFinite());
  EXPECT_GT(MaxAbsDiff(*out, x_), 1e-2f);  // the layer does something
}

TEST_F(RefQwen3LayerTest, ZeroOutputProjectionsMakeTheLayerTheIdentity) {
  w_.o_proj.setZero();
  w_.down_proj.setZero();
  auto out = Qwen3DecoderLayerForward(w_, x_, pos_, cos_sin_, kRmsNormEps);
  ASSERT_TRUE(out.ok());
  EXPECT_LT(MaxAbsDiff(*out, x_), 1e-7f);
}

TEST_F(RefQwen3LayerTest, MlpReadsTheResidualAfterAttention) {
  // out = h + mlp(norm2(h)) with h = x + attn(norm1(x)); composing the halves by hand must agree.
  auto out = Qwen3DecoderLayerForward(w_, x_, pos_, cos_sin_, kRmsNormEps);
  ASSERT_TRUE(out.ok());
  const Matrix h =
      x_ + Qwen3AttentionForward(w_, RmsNorm(x_, w_.input_layernorm, kRmsNormEps), pos_, cos_sin_,
                                 kRmsNormEps);
  const Matrix want = h + Qwen3MlpForward(w_, RmsNorm(h, w_.post_attention_layernorm, kRmsNormEps));
  EXPECT_LT(MaxAbsDiff(*out, want), 1e-6f);
  // Feeding the MLP x instead of h gives a different layer.
  const Matrix wrong =
      h + Qwen3MlpForward(w_, RmsNorm(x_, w_.post_attention_layernorm, kRmsNormEps));
  EXPECT_GT(MaxAbsDiff(*out, wrong), 1e-4f);
}

TEST_F(RefQwen3LayerTest, RejectsMalformedWeightsAndInputs) {
  Qwen3LayerWeights bad = w_;
  bad.qkv_proj = Matrix::Zero(10, 64);
  Status s = ValidateQwen3Layer(bad);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("qkv_proj"), std::string::npos) << s.message();

  std::vector<int> short_pos(kTokens - 1, 0);
  EXPECT_EQ(Qwen3DecoderLayerForward(w_, x_, short_pos, cos_sin_, kRmsNormEps).status().code(),
            Status::Code::kInvalidArgument);
  std::vector<int> far_pos = pos_;
  far_pos.back() = testing::kMaxPosition;
  EXPECT_EQ(Qwen3DecoderLayerForward(w_, x_, far_pos, cos_sin_, kRmsNormEps).status().code(),
            Status::Code::kInvalidArgument);
  const Matrix wide_cache = BuildCosSinCache(32, 8, testing::kRopeTheta);  // rotary_dim > hd
  EXPECT_EQ(Qwen3DecoderLayerForward(w_, x_, {0, 1, 2, 3, 4, 5, 6}, wide_cache, kRmsNormEps)
                .status()
                .code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tpsim::ref
