#include "sim/shard/shard_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/testing/model_fixtures.h"

namespace tpsim {
namespace {

const TensorSpec* Find(const ShardPlan& plan, const std::string& name) {
  for (const TensorSpec& t : plan.tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

ShardPlan Plan(const ModelConfig& m, int tp, int rank, LinearMethod method) {
  ShardOptions opt;
  opt.tp = tp;
  opt.rank = rank;
  opt.model_dtype = m.dtype;
  opt.linear = method;
  auto plan = BuildShardPlan(m, opt);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return *plan;
}

TEST(ShardPlanTest, KvHeadsAreReplicatedPastNumKvHeads) {
  const ModelConfig m = testing::Qwen3_8B();  // 32 q heads, 8 kv heads
  for (int tp : {1, 2, 4, 8, 16, 32}) {
    ShardPlan p = Plan(m, tp, 0, LinearMethod::kUnquantized);
    EXPECT_EQ(p.q_heads_per_rank, 32 / tp);
    EXPECT_EQ(p.kv_heads_per_rank, tp <= 8 ? 8 / tp : 1);
    EXPECT_EQ(p.kv_head_replicas, tp <= 8 ? 1 : tp / 8);
    const TensorSpec* qkv = Find(p, "model.layers.0.self_attn.qkv_proj.weight");
    ASSERT_NE(qkv, nullptr);
    EXPECT_EQ(qkv->shape[0], (p.q_heads_per_rank + 2 * p.kv_heads_per_rank) * 128);
  }
}

TEST(ShardPlanTest, ColumnAndRowShardsSumToTheWholeWithoutReplication) {
  const ModelConfig m = testing::Qwen3_32B_Awq();
  ShardPlan whole = Plan(m, 1, 0, LinearMethod::kAwq);
  for (int tp : {2, 4, 8}) {
    std::map<ShardKind, Bytes> sum;
    for (int r = 0; r < tp; ++r) {
      for (const TensorSpec& t : Plan(m, tp, r, LinearMethod::kAwq).tensors) sum[t.shard] += t.bytes();
    }
    std::map<ShardKind, Bytes> one;
    for (const TensorSpec& t : whole.tensors) one[t.shard] += t.bytes();
    EXPECT_EQ(sum[ShardKind::kRow], one[ShardKind::kRow]) << tp;
    EXPECT_EQ(sum[ShardKind::kVocab], one[ShardKind::kVocab]) << tp;
    EXPECT_EQ(sum[ShardKind::kColumn], one[ShardKind::kColumn]) << tp;  // tp <= n_kv: no replication
    EXPECT_EQ(sum[ShardKind::kReplicated], tp * one[ShardKind::kReplicated]) << tp;
  }
}

TEST(ShardPlanTest, VocabIsPaddedGloballyThenDivided) {
  ModelConfig m = testing::Qwen3_8B();
  m.vocab_size = 151665;  // not a multiple of 64
  ShardPlan p = Plan(m, 4, 0, LinearMethod::kUnquantized);
  EXPECT_EQ(p.vocab_padded, 151680);
  EXPECT_EQ(p.vocab_per_rank, 37920);
  m.tie_word_embeddings = true;
  EXPECT_EQ(Find(Plan(m, 2, 1, LinearMethod::kUnquantized), "lm_head.weight"), nullptr);
}

TEST(ShardPlanTest, OneRotaryCachePerRankSizedByRopeScaling) {
  ModelConfig m = testing::Qwen3_8B();
  ShardPlan p = Plan(m, 2, 0, LinearMethod::kUnquantized);
  const TensorSpec* rope = Find(p, "rotary_emb.cos_sin_cache");
  ASSERT_NE(rope, nullptr);
  EXPECT_EQ(rope->bytes(), 40960 * 128 * 2);
  m.rope_type = "yarn";
  m.rope_factor = 4.0;
  m.rope_original_max_position = 32768;
  EXPECT_EQ(RopeCachePositions(m), 131072);
}

TEST(ShardPlanTest, RefusedSplitsUseVllmWords) {
  const ModelConfig m = testing::Qwen3_32B_Awq();  // 64 heads, 8 kv heads, I 25600
  Status s = CheckTensorParallelSplit(m, 3, LinearMethod::kAwq);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Total number of attention heads (64) must be divisible by tensor parallel size (3).");
  ModelConfig odd = m;
  odd.intermediate_size = 26112;  // I/8 = 3264 is not a multiple of 128
  EXPECT_NE(CheckTensorParallelSplit(odd, 8, LinearMethod::kAwq).message().find(
                "The input size is not aligned with the quantized weight shape"),
            std::string::npos);
  EXPECT_TRUE(CheckTensorParallelSplit(m, 8, LinearMethod::kAwq).ok());
}

TEST(ShardPlanTest, MarlinRepackAllocatesBeforeReleasing) {
  ShardOptions opt;
  opt.tp = 4;
  opt.model_dtype = DType::kF16;
  opt.linear = LinearMethod::kAwqMarlin;
  opt.sm_count = 128;
  auto p = BuildShardPlan(testing::Qwen3_32B_Awq(), opt);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->post_load.size(), 64u * 4);
  const PostLoadStep& step = p->post_load[0];
  Bytes freed = 0, added = 0;
  for (int i : step.release) freed += p->tensors[i].bytes();
  for (const TensorSpec& t : step.allocate) added += t.bytes();
  EXPECT_EQ(added - freed, 128 * 4);  // only the workspace is new
}

}  // namespace
}  // namespace tpsim
