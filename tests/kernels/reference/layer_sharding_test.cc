// Proves the tensor-parallel layout on the CPU: the sum over ranks of the sharded layer equals the
// unsharded layer for every tp vLLM accepts, each rank holds the heads vLLM gives it, and the
// splits vLLM refuses return its error text.
#include "kernels/reference/layer_sharding.h"

#include <ostream>

#include <gtest/gtest.h>

#include "tests/kernels/reference/ref_test_util.h"

namespace tpsim::ref {
namespace {

using testing::kRmsNormEps;
using testing::kTokens;

struct ShardCase {
  Qwen3LayerDims dims;
  int tp;
};

void PrintTo(const ShardCase& c, std::ostream* os) {
  *os << "n_h " << c.dims.num_heads << " n_kv " << c.dims.num_kv_heads << " tp " << c.tp;
}

class ShardQwen3LayerTest : public ::testing::TestWithParam<ShardCase> {};

TEST_P(ShardQwen3LayerTest, SumOverRanksEqualsTheUnshardedLayer) {
  const ShardCase c = GetParam();
  const Qwen3LayerWeights full = RandomQwen3Layer(c.dims, 1234);
  const Matrix cos_sin = BuildCosSinCache(c.dims.head_dim, testing::kMaxPosition,
                                         testing::kRopeTheta);
  const Matrix x = testing::RandomActivations(kTokens, c.dims.hidden_size, 99);
  const std::vector<int> pos = testing::ChunkPositions(kTokens);

  auto want = Qwen3DecoderLayerForward(full, x, pos, cos_sin, kRmsNormEps);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  auto got = ShardedQwen3LayerForward(full, c.tp, x, pos, cos_sin, kRmsNormEps);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_LT(testing::RelativeError(*got, *want), testing::kShardTolerance) << "tp " << c.tp;
}

TEST_P(ShardQwen3LayerTest, RanksHoldVllmsShapesAndPartitionTheQueryHeads) {
  const ShardCase c = GetParam();
  const Qwen3LayerDims& d = c.dims;
  const Qwen3LayerWeights full = RandomQwen3Layer(d, 5);
  const int kv_per_rank = c.tp <= d.num_kv_heads ? d.num_kv_heads / c.tp : 1;
  Matrix q_rows_seen(0, d.hidden_size);
  for (int r = 0; r < c.tp; ++r) {
    auto w = ShardQwen3Layer(full, c.tp, r);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(w->dims.num_heads, d.num_heads / c.tp);
    EXPECT_EQ(w->dims.num_kv_heads, kv_per_rank);
    EXPECT_EQ(w->qkv_proj.rows(), (d.num_heads / c.tp + 2 * kv_per_rank) * d.head_dim);
    EXPECT_EQ(w->o_proj.rows(), d.hidden_size);
    EXPECT_EQ(w->o_proj.cols(), d.num_heads / c.tp * d.head_dim);
    EXPECT_EQ(w->gate_up_proj.rows(), 2 * d.intermediate_size / c.tp);
    EXPECT_EQ(w->down_proj.cols(), d.intermediate_size / c.tp);
    EXPECT_EQ(w->q_norm, full.q_norm);
    EXPECT_EQ(w->input_layernorm, full.input_layernorm);
    const Matrix q = w->qkv_proj.topRows(w->dims.num_heads * d.head_dim);
    Matrix grown(q_rows_seen.rows() + q.rows(), d.hidden_size);
    grown << q_rows_seen, q;
    q_rows_seen = grown;
  }
  // Query rows of ranks 0..tp-1 in order are exactly the full query rows.
  EXPECT_EQ(q_rows_seen, full.qkv_proj.topRows(d.num_heads * d.head_dim));
}

INSTANTIATE_TEST_SUITE_P(
    Tp, ShardQwen3LayerTest,
    ::testing::Values(ShardCase{testing::SmallDims(), 1}, ShardCase{testing::SmallDims(), 2},
                      ShardCase{testing::SmallDims(), 4},  // tp > n_kv = 2: replication
                      ShardCase{testing::SmallDims(), 8},  // one query head per rank
                      ShardCase{{64, 8, 4, 16, 128}, 2}),  // two kv heads per rank
    [](const ::testing::TestParamInfo<ShardCase>& info) {
      return "Nkv" + std::to_string(info.param.dims.num_kv_heads) + "Tp" +
             std::to_string(info.param.tp);
    });

TEST(ShardReplicationTest, KvHeadOfRankIsRankOverTpOverNkv) {
  const Qwen3LayerDims d = testing::SmallDims();  // n_h 8, n_kv 2, hd 16
  const Qwen3LayerWeights full = RandomQwen3Layer(d, 6);
  const int hd = d.head_dim;
  const int q_full = d.num_heads * hd;
  const int kv_full = d.num_kv_heads * hd;
  for (int tp : {4, 8}) {
    for (int r = 0; r < tp; ++r) {
      auto s = ComputeRankSlice(d, tp, r);
      ASSERT_TRUE(s.ok());
      const int kv_head = r / (tp / d.num_kv_heads);
      EXPECT_EQ(s->kv_head_begin, kv_head);
      EXPECT_EQ(s->kv_replicas, tp / d.num_kv_heads);
      auto w = ShardQwen3Layer(full, tp, r);
      ASSERT_TRUE(w.ok());
      const int q_rows = d.num_heads / tp * hd;
      EXPECT_EQ(Matrix(w->qkv_proj.middleRows(q_rows, hd)),
                Matrix(full.qkv_proj.middleRows(q_full + kv_head * hd, hd)))
          << "k of tp " << tp << " rank " << r;
      EXPECT_EQ(Matrix(w->qkv_proj.bottomRows(hd)),
                Matrix(full.qkv_proj.middleRows(q_full + kv_full + kv_head * hd, hd)))
          << "v of tp " << tp << " rank " << r;
    }
  }
}

TEST(ShardReplicationTest, AWrongKvAssignmentIsCaught) {
  // If every rank used kv head 0 the sum would differ: the equality test above can fail.
  const Qwen3LayerDims d = testing::SmallDims();
  const Qwen3LayerWeights full = RandomQwen3Layer(d, 7);
  const Matrix cos_sin = BuildCosSinCache(d.head_dim, testing::kMaxPosition, testing::kRopeTheta);
  const Matrix x = testing::RandomActivations(kTokens, d.hidden_size, 8);
  const std::vector<int> pos = testing::ChunkPositions(kTokens);
  std::vector<Qwen3LayerWeights> ranks;
  auto rank0 = ShardQwen3Layer(full, 4, 0);
  ASSERT_TRUE(rank0.ok());
  for (int r = 0; r < 4; ++r) {
    auto w = ShardQwen3Layer(full, 4, r);
    ASSERT_TRUE(w.ok());
    // One kv head per rank at tp 4: the last 2*hd rows are that rank's k and v.
    w->qkv_proj.bottomRows(2 * d.head_dim) = rank0->qkv_proj.bottomRows(2 * d.head_dim);
    ranks.push_back(*w);
  }
  auto want = Qwen3DecoderLayerForward(full, x, pos, cos_sin, kRmsNormEps);
  auto got = TensorParallelQwen3LayerForward(ranks, x, pos, cos_sin, kRmsNormEps);
  ASSERT_TRUE(want.ok() && got.ok());
  EXPECT_GT(testing::RelativeError(*got, *want), 1e-3f);
}

TEST(ShardRefusalTest, HeadsNotDivisibleByTpGiveVllmsMessage) {
  Qwen3LayerDims d = testing::SmallDims();
  const Qwen3LayerWeights full = RandomQwen3Layer(d, 1);
  const Status s = CheckTensorParallelSplit(8, 2, 3);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Total number of attention heads (8) must be divisible by tensor parallel size (3).");
  auto shard = ShardQwen3Layer(full, 3, 0);
  EXPECT_EQ(shard.status().message(), s.message());
  const Matrix cos_sin = BuildCosSinCache(16, 16, testing::kRopeTheta);
  auto fwd = ShardedQwen3LayerForward(full, 3, testing::RandomActivations(2, 64, 1), {0, 1},
                                      cos_sin, kRmsNormEps);
  EXPECT_EQ(fwd.status().message(), s.message());
}

TEST(ShardRefusalTest, KvHeadsNotDivisibleByTp) {
  const Status s = CheckTensorParallelSplit(12, 6, 4);  // 12 % 4 == 0, 6 >= 4, 6 % 4 != 0
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("self.total_num_kv_heads % tp_size == 0"), std::string::npos)
      << s.message();
}

TEST(ShardRefusalTest, TpNotAMultipleOfKvHeadsWhenReplicating) {
  const Status s = CheckTensorParallelSplit(8, 3, 4);  // 8 % 4 == 0, 3 < 4, 4 % 3 != 0
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("tp_size % self.total_num_kv_heads == 0"), std::string::npos)
      << s.message();
}

TEST(ShardRefusalTest, AcceptedSplitsAndOtherBadArguments) {
  EXPECT_TRUE(CheckTensorParallelSplit(64, 8, 8).ok());   // Qwen3-32B at tp 8
  EXPECT_TRUE(CheckTensorParallelSplit(40, 8, 4).ok());   // Qwen3-14B at tp 4
  EXPECT_TRUE(CheckTensorParallelSplit(8, 2, 8).ok());    // replication x4
  EXPECT_FALSE(CheckTensorParallelSplit(40, 8, 16).ok());  // 40 % 16 != 0
  EXPECT_EQ(CheckTensorParallelSplit(8, 2, 0).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ComputeRankSlice(testing::SmallDims(), 2, 2).status().code(),
            Status::Code::kInvalidArgument);
  Qwen3LayerDims odd = testing::SmallDims();
  odd.intermediate_size = 100;
  EXPECT_EQ(ComputeRankSlice(odd, 8, 0).status().message(), "100 is not divisible by 8");
}

}  // namespace
}  // namespace tpsim::ref
