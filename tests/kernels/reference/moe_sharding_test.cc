// Proves vLLM's MoE split on the CPU: at TP 1/2/4, EP 2/4 (dp 1) and DP 2 x TP 2 with and without
// EP, the sum over devices of the sharded block equals the unsharded block (difference below 1e-6
// relative to max(1, |output|) in float32; measured about 1e-8: the same products summed in
// another order). Each device holds the tensors
// vLLM gives it, experts are placed as determine_expert_map places them, and the splits vLLM
// refuses come back with its words.
#include "kernels/reference/moe_sharding.h"

#include <ostream>

#include <gtest/gtest.h>

#include "tests/kernels/reference/moe_test_util.h"

namespace tpsim::ref {
namespace {

struct SplitCase {
  const char* name;
  MoeLayerDims dims;
  int tp;
  int dp;
  bool ep;
};

void PrintTo(const SplitCase& c, std::ostream* os) { *os << c.name; }

std::vector<Matrix> Batches(int dp, int hidden) {
  std::vector<Matrix> b;
  for (int d = 0; d < dp; ++d) b.push_back(testing::RandomActivations(7 + 2 * d, hidden, 40 + d));
  return b;
}

class MoeShardTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(MoeShardTest, SumOverDevicesEqualsTheUnshardedBlock) {
  const SplitCase c = GetParam();
  const MoeLayerWeights full = RandomMoeLayer(c.dims, 2024);
  MoeParallelism p;
  p.tensor_parallel_size = c.tp;
  p.data_parallel_size = c.dp;
  p.enable_expert_parallel = c.ep;
  const std::vector<Matrix> batches = Batches(c.dp, c.dims.hidden_size);
  auto got = ShardedMoeBlockForward(full, p, batches);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), batches.size());
  for (size_t d = 0; d < batches.size(); ++d) {
    auto want = MoeBlockForward(full, batches[d]);
    ASSERT_TRUE(want.ok());
    EXPECT_LT(testing::RelativeError((*got)[d], *want), testing::kMoeShardTolerance)
        << c.name << " replica " << d;
  }
}

TEST_P(MoeShardTest, DevicesHoldVllmsShapesAndCoverEveryExpertSliceOnce) {
  const SplitCase c = GetParam();
  const MoeLayerDims& d = c.dims;
  const MoeLayerWeights full = RandomMoeLayer(d, 7);
  MoeParallelism p{c.tp, c.dp, c.ep};
  const int devices = c.tp * c.dp;
  const bool use_ep = c.ep && devices > 1;
  std::vector<int> expert_slices(d.num_experts, 0);
  for (int dr = 0; dr < c.dp; ++dr) {
    for (int tr = 0; tr < c.tp; ++tr) {
      auto w = ShardMoeLayer(full, p, dr, tr);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      const int i_rank = use_ep ? d.moe_intermediate_size : d.moe_intermediate_size / devices;
      EXPECT_EQ(w->dims.moe_intermediate_size, i_rank);
      EXPECT_EQ(w->gate, full.gate);  // replicated router
      EXPECT_EQ(w->dims.shared_expert_intermediate_size, d.shared_expert_intermediate_size / c.tp);
      const int e_rank = use_ep ? d.num_experts / devices : d.num_experts;
      ASSERT_EQ(static_cast<int>(w->experts.size()), e_rank);
      for (const MoeExpertWeights& e : w->experts) {
        EXPECT_EQ(e.w13.rows(), 2 * i_rank);
        EXPECT_EQ(e.w2.cols(), i_rank);
        ++expert_slices[e.expert_id];
        if (use_ep) {
          EXPECT_EQ(e.w13, full.experts[e.expert_id].w13);  // whole expert
        }
      }
    }
  }
  const int slices = use_ep ? 1 : devices;
  for (int e = 0; e < d.num_experts; ++e) EXPECT_EQ(expert_slices[e], slices) << "expert " << e;
}

INSTANTIATE_TEST_SUITE_P(
    Splits, MoeShardTest,
    ::testing::Values(SplitCase{"Qwen3Tp1", testing::SmallQwen3MoeDims(), 1, 1, false},
                      SplitCase{"Qwen3Tp2", testing::SmallQwen3MoeDims(), 2, 1, false},
                      SplitCase{"Qwen3Tp4", testing::SmallQwen3MoeDims(), 4, 1, false},
                      SplitCase{"Qwen3Ep2", testing::SmallQwen3MoeDims(), 2, 1, true},
                      SplitCase{"Qwen3Ep4", testing::SmallQwen3MoeDims(), 4, 1, true},
                      SplitCase{"Qwen3Tp1EpFlagIsNoOp", testing::SmallQwen3MoeDims(), 1, 1, true},
                      SplitCase{"Qwen3Dp2Tp2", testing::SmallQwen3MoeDims(), 2, 2, false},
                      SplitCase{"Qwen3Dp2Tp2Ep4", testing::SmallQwen3MoeDims(), 2, 2, true},
                      SplitCase{"Qwen2SharedTp1", testing::SmallQwen2MoeDims(), 1, 1, false},
                      SplitCase{"Qwen2SharedTp2", testing::SmallQwen2MoeDims(), 2, 1, false},
                      SplitCase{"Qwen2SharedTp4", testing::SmallQwen2MoeDims(), 4, 1, false},
                      SplitCase{"Qwen2SharedEp2", testing::SmallQwen2MoeDims(), 2, 1, true},
                      SplitCase{"Qwen2SharedEp4", testing::SmallQwen2MoeDims(), 4, 1, true},
                      SplitCase{"Qwen2SharedDp2Tp2Ep4", testing::SmallQwen2MoeDims(), 2, 2,
                                true}),
    [](const ::testing::TestParamInfo<SplitCase>& info) { return info.param.name; });

TEST(MoeShardEpPlacementTest, RemainderExpertsAreSplitAndStillSumToTheBlock) {
  // E = 6 over ep 4: vLLM (>= PR #21497) gives 2, 2, 1, 1 experts.
  MoeLayerDims d = testing::SmallQwen3MoeDims();
  d.num_experts = 6;
  const MoeLayerWeights full = RandomMoeLayer(d, 5);
  MoeParallelism p{4, 1, true};
  const std::vector<int> first_expert = {0, 2, 4, 5};
  std::vector<int> held;
  for (int r = 0; r < 4; ++r) {
    auto w = ShardMoeLayer(full, p, 0, r);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    held.push_back(static_cast<int>(w->experts.size()));
    EXPECT_EQ(w->experts.front().expert_id, first_expert[r]);
  }
  EXPECT_EQ(held, (std::vector<int>{2, 2, 1, 1}));
  const std::vector<Matrix> x = Batches(1, d.hidden_size);
  auto got = ShardedMoeBlockForward(full, p, x);
  auto want = MoeBlockForward(full, x[0]);
  ASSERT_TRUE(got.ok() && want.ok());
  EXPECT_LT(testing::RelativeError((*got)[0], *want), testing::kMoeShardTolerance);
}

TEST(MoeShardEpPlacementTest, DetermineExpertMapFollowsEachVllmRule) {
  // E = 128 over ep 3.
  std::vector<int> linear, last_rank, round_robin;
  for (int r = 0; r < 3; ++r) {
    linear.push_back(DetermineExpertMap(3, r, 128, ExpertPlacement::kLinear)->local_num_experts);
    last_rank.push_back(
        DetermineExpertMap(3, r, 128, ExpertPlacement::kLinearRemainderOnLastRank)
            ->local_num_experts);
    round_robin.push_back(
        DetermineExpertMap(3, r, 128, ExpertPlacement::kRoundRobin)->local_num_experts);
  }
  EXPECT_EQ(linear, (std::vector<int>{43, 43, 42}));
  EXPECT_EQ(last_rank, (std::vector<int>{42, 42, 44}));
  EXPECT_EQ(round_robin, (std::vector<int>{43, 43, 42}));

  auto lin = DetermineExpertMap(3, 1, 128, ExpertPlacement::kLinear);
  ASSERT_TRUE(lin.ok());
  EXPECT_EQ(lin->global_to_local[42], -1);
  EXPECT_EQ(lin->global_to_local[43], 0);
  EXPECT_EQ(lin->global_to_local[85], 42);
  EXPECT_EQ(lin->global_to_local[86], -1);
  auto rr = DetermineExpertMap(3, 1, 128, ExpertPlacement::kRoundRobin);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->LocalExperts().front(), 1);
  EXPECT_EQ(rr->LocalExperts()[1], 4);
  EXPECT_EQ(rr->LocalExperts().back(), 127);
  // Qwen3-30B-A3B at EP 4: 32 contiguous experts per rank.
  auto q = DetermineExpertMap(4, 2, 128, ExpertPlacement::kLinear);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->local_num_experts, 32);
  EXPECT_EQ(q->LocalExperts().front(), 64);
  EXPECT_EQ(q->LocalExperts().back(), 95);
  auto one = DetermineExpertMap(1, 0, 8, ExpertPlacement::kLinear);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->local_num_experts, 8);
  EXPECT_EQ(DetermineExpertMap(2, 2, 8, ExpertPlacement::kLinear).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(MoeShardParallelConfigTest, MatchesVllmsDocstringExamples) {
  // FusedMoEParallelConfig.make docstring: TP 2, DP 2, EP False -> TP {4, dp_rank * 2 + tp_rank}.
  auto a = MakeFusedMoeParallel({2, 2, false}, 1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->tp_size, 4);
  EXPECT_EQ(a->tp_rank, 2);
  EXPECT_EQ(a->ep_size, 1);
  EXPECT_FALSE(a->use_ep);
  // TP 2, DP 2, EP True -> TP {1, 0}, EP {4, 3} on device 3.
  auto b = MakeFusedMoeParallel({2, 2, true}, 1, 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->tp_size, 1);
  EXPECT_EQ(b->tp_rank, 0);
  EXPECT_EQ(b->ep_size, 4);
  EXPECT_EQ(b->ep_rank, 3);
  EXPECT_TRUE(b->use_ep);
  // TP 1, DP 1 with --enable-expert-parallel: no EP (dp * tp == 1).
  auto c = MakeFusedMoeParallel({1, 1, true}, 0, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->use_ep);
  EXPECT_EQ(MakeFusedMoeParallel({2, 1, false}, 0, 2).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(MoeShardHonestyTest, AWrongSplitIsCaught) {
  // Giving every TP rank the up half of rank 0 breaks the sum: the equality tests can fail.
  const MoeLayerDims d = testing::SmallQwen3MoeDims();
  const MoeLayerWeights full = RandomMoeLayer(d, 11);
  const Matrix x = testing::RandomActivations(9, d.hidden_size, 12);
  auto rank0 = ShardMoeLayer(full, {2, 1, false}, 0, 0);
  auto rank1 = ShardMoeLayer(full, {2, 1, false}, 0, 1);
  ASSERT_TRUE(rank0.ok() && rank1.ok());
  const int i_rank = d.moe_intermediate_size / 2;
  MoeLayerWeights broken = *rank1;
  for (size_t e = 0; e < broken.experts.size(); ++e) {
    broken.experts[e].w13.bottomRows(i_rank) = rank0->experts[e].w13.bottomRows(i_rank);
  }
  auto want = MoeBlockForward(full, x);
  ASSERT_TRUE(want.ok());
  const Matrix good = MoeBlockPartialForward(*rank0, x) + MoeBlockPartialForward(*rank1, x);
  const Matrix bad = MoeBlockPartialForward(*rank0, x) + MoeBlockPartialForward(broken, x);
  EXPECT_LT(testing::RelativeError(good, *want), testing::kMoeShardTolerance);
  EXPECT_GT(testing::RelativeError(bad, *want), 1e-3f);
}

TEST(MoeShardRefusalTest, TensorParallelAboveTheExpertCount) {
  MoeLayerDims d = testing::SmallQwen3MoeDims();  // E = 8, I = 16
  d.moe_intermediate_size = 32;
  EXPECT_EQ(CheckMoeSplit(d, {16, 1, false}).message(),
            "Tensor parallel size 16 is greater than the number of experts 8.");
  EXPECT_EQ(CheckMoeSplit(d, {16, 1, true}).message(),
            "Tensor parallel size 16 is greater than the number of experts 8.");
  // MixtralMoE has no such check: 32 / 16 splits, so Mixtral builds.
  EXPECT_TRUE(CheckMoeSplit(d, {16, 1, false}, MoeModel::kMixtral).ok());
  // The check reads the attention TP size, not dp x tp.
  EXPECT_TRUE(CheckMoeSplit(d, {8, 2, false}).ok());
}

TEST(MoeShardRefusalTest, IntermediateNotDivisibleByTheExpertsTpSize) {
  MoeLayerDims d = testing::SmallQwen3MoeDims();
  d.moe_intermediate_size = 12;
  EXPECT_TRUE(CheckMoeSplit(d, {4, 1, false}).ok());
  EXPECT_EQ(CheckMoeSplit(d, {8, 1, false}).message(),
            "AssertionError: intermediate_size % self.tp_size == 0 (moe_intermediate_size 12, "
            "experts' tensor parallel size 8)");
  // dp 2 x tp 4 flattens to 8 as well; with EP the experts are whole and it builds.
  EXPECT_FALSE(CheckMoeSplit(d, {4, 2, false}).ok());
  EXPECT_TRUE(CheckMoeSplit(d, {8, 1, true}).ok());
  auto shard = ShardMoeLayer(RandomMoeLayer(d, 1), {8, 1, false}, 0, 0);
  EXPECT_EQ(shard.status().message(), CheckMoeSplit(d, {8, 1, false}).message());
}

TEST(MoeShardRefusalTest, ExpertsNotDivisibleWhereVllmRequiresIt) {
  MoeLayerDims d = testing::SmallQwen3MoeDims();
  d.num_experts = 6;
  MoeParallelism p{4, 1, true};
  EXPECT_TRUE(CheckMoeSplit(d, p).ok());  // plain EP takes the remainder rule
  p.enable_eplb = true;
  EXPECT_EQ(CheckMoeSplit(d, p).message(),
            "AssertionError: EPLB currently only supports even distribution of experts across "
            "ranks.");
  p.num_redundant_experts = 2;  // 6 + 2 physical experts over 4 ranks
  EXPECT_TRUE(CheckMoeSplit(d, p).ok());
  p.enable_eplb = false;
  EXPECT_EQ(CheckMoeSplit(d, p).message(),
            "AssertionError: Redundant experts are only supported with EPLB.");
}

TEST(MoeShardRefusalTest, TopKAboveTheExpertCount) {
  MoeLayerDims d = testing::SmallQwen3MoeDims();
  d.top_k = 9;
  EXPECT_EQ(CheckMoeSplit(d, {1, 1, false}).message(),
            "AssertionError: top_k <= global_num_experts (9 experts per token, 8 experts)");
  const MoeLayerWeights w = RandomMoeLayer(d, 1);
  EXPECT_EQ(ShardedMoeBlockForward(w, {2, 1, true}, Batches(1, d.hidden_size)).status().message(),
            CheckMoeSplit(d, {1, 1, false}).message());
  d.top_k = 8;  // every expert, allowed
  EXPECT_TRUE(CheckMoeSplit(d, {1, 1, false}).ok());
}

TEST(MoeShardRefusalTest, SharedExpertNotDivisibleByTp) {
  MoeLayerDims d = testing::SmallQwen2MoeDims();  // Is = 24
  EXPECT_TRUE(CheckMoeSplit(d, {8, 1, true}).ok());
  d.shared_expert_intermediate_size = 20;
  EXPECT_EQ(CheckMoeSplit(d, {8, 1, true}).message(), "20 is not divisible by 8");
}

TEST(MoeShardRefusalTest, RealModelsAcceptTheSplitsUsersRun) {
  const MoeLayerDims qwen3_30b{2048, 128, 8, 768, true, 0};
  const MoeLayerDims qwen3_235b{4096, 128, 8, 1536, true, 0};
  for (int tp : {1, 2, 4, 8}) {
    EXPECT_TRUE(CheckMoeSplit(qwen3_30b, {tp, 1, false}).ok()) << tp;
    EXPECT_TRUE(CheckMoeSplit(qwen3_235b, {tp, 1, true}).ok()) << tp;
  }
  const MoeLayerDims mixtral{4096, 8, 2, 14336, true, 0};
  EXPECT_TRUE(CheckMoeSplit(mixtral, {8, 1, false}, MoeModel::kMixtral).ok());
  // Qwen1.5-MoE-A2.7B: 60 experts, Is 5632; EP 8 gives 8, 8, 8, 8, 7, 7, 7, 7.
  const MoeLayerDims qwen15{2048, 60, 4, 1408, false, 5632};
  EXPECT_TRUE(CheckMoeSplit(qwen15, {8, 1, true}).ok());
  EXPECT_EQ(DetermineExpertMap(8, 3, 60, ExpertPlacement::kLinear)->local_num_experts, 8);
  EXPECT_EQ(DetermineExpertMap(8, 4, 60, ExpertPlacement::kLinear)->local_num_experts, 7);
}

TEST(MoeShardRefusalTest, BadTokenBatches) {
  const MoeLayerWeights full = RandomMoeLayer(testing::SmallQwen3MoeDims(), 1);
  EXPECT_EQ(ShardedMoeBlockForward(full, {2, 2, true}, Batches(1, 32)).status().message(),
            "need one token batch per DP replica: 1 batches for data parallel size 2");
  EXPECT_EQ(ShardedMoeBlockForward(full, {1, 1, false}, Batches(1, 16)).status().message(),
            "a token batch has 16 columns, expected hidden_size 32");
}

}  // namespace
}  // namespace tpsim::ref
