// ShardPlanCache hands out the plan BuildShardPlan would build, shares it between callers, and never
// serves one model's plan for a same-named model of another shape.
#include "sim/shard/shard_plan_cache.h"

#include <gtest/gtest.h>

#include "tests/testing/model_fixtures.h"

namespace tpsim {
namespace {

void ExpectSamePlan(const ShardPlan& a, const ShardPlan& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
    EXPECT_EQ(a.tensors[i].shape, b.tensors[i].shape);
    EXPECT_EQ(a.tensors[i].dtype, b.tensors[i].dtype);
  }
  EXPECT_EQ(a.post_load.size(), b.post_load.size());
  EXPECT_EQ(a.TotalBytes(), b.TotalBytes());
  EXPECT_EQ(a.rank, b.rank);
}

TEST(ShardPlanCacheTest, SameAsBuildAndShared) {
  ShardPlanCache cache;
  const ModelConfig m = testing::Qwen3_32B_Awq();
  for (int rank = 0; rank < 4; ++rank) {
    ShardOptions o;
    o.tp = 4;
    o.rank = rank;
    o.model_dtype = DType::kF16;
    o.linear = LinearMethod::kAwqMarlin;
    auto fresh = BuildShardPlan(m, o);
    ASSERT_TRUE(fresh.ok());
    auto first = cache.Get(m, o);
    auto second = cache.Get(m, o);
    ASSERT_TRUE(first.ok() && second.ok());
    ExpectSamePlan(*fresh, **first);
    EXPECT_EQ(first->get(), second->get());  // one plan, shared
  }
  EXPECT_EQ(cache.size(), 4u);
}

TEST(ShardPlanCacheTest, SameNameOtherShapeIsNotServedTheCachedPlan) {
  ShardPlanCache cache;
  ModelConfig a = testing::Qwen3_14B_Awq();
  ModelConfig b = testing::Qwen3_32B_Awq();
  b.name = a.name;  // a caller breaking the one-config-per-name contract
  ShardOptions o;
  o.tp = 2;
  o.linear = LinearMethod::kAwq;
  auto pa = cache.Get(a, o);
  auto pb = cache.Get(b, o);
  ASSERT_TRUE(pa.ok() && pb.ok());
  auto fresh_b = BuildShardPlan(b, o);
  ASSERT_TRUE(fresh_b.ok());
  ExpectSamePlan(*fresh_b, **pb);
  EXPECT_NE((*pa)->TotalBytes(), (*pb)->TotalBytes());
}

TEST(ShardPlanCacheTest, ErrorsAreBuildShardPlansAndNotCached) {
  ShardPlanCache cache;
  ShardOptions o;
  o.tp = 3;  // 64 heads do not split over 3
  auto p = cache.Get(testing::Qwen3_32B_Awq(), o);
  EXPECT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("divisible"), std::string::npos);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace tpsim
