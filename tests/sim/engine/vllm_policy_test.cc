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

ResolvedConfig Era(VllmEra era, bool subtract_graphs = false) {
  ResolvedConfig c;
  c.era = era;
  c.subtract_cudagraph_estimate = subtract_graphs;
  return c;
}

TEST(VllmPolicyTest, ThreeTermsFormulaOfV1) {
  const KvBudget b = MakePolicy(Era(VllmEra::kV1_0_11))->Budget(Readings());
  EXPECT_EQ(b.activation_peak, 512 * kMiB);
  EXPECT_EQ(b.non_torch, 256 * kMiB);  // (used - reserved) after minus before
  EXPECT_EQ(b.available, 20 * kGiB - 9 * kGiB - 512 * kMiB - 256 * kMiB);
}

TEST(VllmPolicyTest, V018SubtractsTheGraphEstimateOnlyWhenAsked) {
  const ProfileReadings r = Readings();
  const Bytes without = MakePolicy(Era(VllmEra::kV1_0_18, false))->Budget(r).available;
  const Bytes with = MakePolicy(Era(VllmEra::kV1_0_18, true))->Budget(r).available;
  EXPECT_EQ(without - with, 700 * kMiB);
  EXPECT_EQ(MakePolicy(Era(VllmEra::kV1_0_20, true))->Budget(r).available, with);
  EXPECT_TRUE(MakePolicy(Era(VllmEra::kV1_0_18))->EstimatesCudaGraphs());
  EXPECT_FALSE(MakePolicy(Era(VllmEra::kV1_0_11))->EstimatesCudaGraphs());
}

TEST(VllmPolicyTest, V1Of08CountsEverythingOutsideAllocatedAsNonTorch) {
  const ProfileReadings r = Readings();
  const KvBudget b = MakePolicy(Era(VllmEra::kV1_0_8))->Budget(r);
  // The context, lazily loaded kernels and torch's cached-but-free blocks all count.
  EXPECT_EQ(b.non_torch, r.after_profile.cuda_used - r.after_profile.torch_allocated);
  EXPECT_EQ(b.available, r.requested - r.peak_during_profile - b.non_torch);
  EXPECT_LT(b.available, MakePolicy(Era(VllmEra::kV1_0_9_1))->Budget(r).available);
}

TEST(VllmPolicyTest, SnapshotPlacementAndConcurrencyByEra) {
  EXPECT_TRUE(MakePolicy(Era(VllmEra::kV0))->SnapshotBeforeDistributedInit());
  EXPECT_TRUE(MakePolicy(Era(VllmEra::kV1_0_9_1))->SnapshotBeforeDistributedInit());
  EXPECT_FALSE(MakePolicy(Era(VllmEra::kV1_0_11))->SnapshotBeforeDistributedInit());
  // >= 0.9.1: blocks / ceil(len / block); before: tokens / len.
  EXPECT_DOUBLE_EQ(MakePolicy(Era(VllmEra::kV1_0_11))->MaxConcurrency(100, 16, 1000), 100.0 / 63);
  EXPECT_DOUBLE_EQ(MakePolicy(Era(VllmEra::kV0))->MaxConcurrency(100, 16, 1000), 1.6);
  // V1 >= 0.9.1 rounds the request up (ceil), V0 truncates.
  EXPECT_EQ(MakePolicy(Era(VllmEra::kV1_0_11))->Requested(1001, 0.5), 501);
  EXPECT_EQ(MakePolicy(Era(VllmEra::kV0))->Requested(1001, 0.5), 500);
}

}  // namespace
}  // namespace tpsim
