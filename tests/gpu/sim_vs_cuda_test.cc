// The same weights plan replayed through the caching allocator on a SimDevice and on a CudaDevice:
// the allocator's counters must be identical (the replay does not depend on the device), and on the
// GPU each cudaMalloc'ed segment must move cudaMemGetInfo by its size within 2 MiB (cudaMalloc's
// granularity). This is the claim `tpsim measure` rests on: the simulated weights are real segments.
#include <gtest/gtest.h>

#include <cstdlib>

#include "kernels/cuda/cuda_device.h"
#include "sim/device/caching_allocator.h"
#include "sim/device/sim_device.h"
#include "sim/model/model_config.h"
#include "sim/shard/shard_plan.h"
#include "sim/shard/weight_replay.h"
#include "tests/gpu/gpu_test_util.h"

namespace tpsim {
namespace {

class SimVsCudaTest : public testing::GpuTest {};

void ExpectSameStats(const AllocatorStats& a, const AllocatorStats& b) {
  EXPECT_EQ(a.allocated, b.allocated);
  EXPECT_EQ(a.reserved, b.reserved);
  EXPECT_EQ(a.peak_allocated, b.peak_allocated);
  EXPECT_EQ(a.requested, b.requested);
  EXPECT_EQ(a.num_segments, b.num_segments);
  EXPECT_EQ(a.num_allocs, b.num_allocs);
}

// Qwen3-32B-AWQ at tp 8 (about 2.3 GiB per rank, so it fits any test GPU), plain AWQ and awq_marlin
// (whose repack allocates and frees after loading).
TEST_F(SimVsCudaTest, WeightsPlanGivesIdenticalCountersAndRealSegments) {
  auto model = LoadModelConfig("Qwen/Qwen3-32B-AWQ", DefaultConfigsDir());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  for (LinearMethod method : {LinearMethod::kAwq, LinearMethod::kAwqMarlin}) {
    SCOPED_TRACE(std::string(LinearMethodName(method)));
    ShardOptions opt;
    opt.tp = 8;
    opt.rank = 3;
    opt.model_dtype = DType::kF16;
    opt.linear = method;
    auto plan = BuildShardPlan(*model, opt);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();

    SimDevice sim("sim", device_->QueryMemInfo().total);
    CachingAllocator sim_alloc(&sim);
    auto sim_loaded = ReplayWeightLoad(*plan, &sim_alloc);
    ASSERT_TRUE(sim_loaded.ok()) << sim_loaded.status().ToString();

    const Bytes before = device_->QueryMemInfo().used();
    {
      CachingAllocator cuda_alloc(device_.get());
      auto cuda_loaded = ReplayWeightLoad(*plan, &cuda_alloc);
      ASSERT_TRUE(cuda_loaded.ok()) << cuda_loaded.status().ToString();
      ExpectSameStats(sim_alloc.stats(), cuda_alloc.stats());
      EXPECT_EQ(sim_loaded->allocated_increase, cuda_loaded->allocated_increase);
      EXPECT_EQ(sim.QueryMemInfo().used(), sim_alloc.stats().reserved);

      // Real segments: the device holds exactly the reserved bytes, within 2 MiB per segment.
      const AllocatorStats& st = cuda_alloc.stats();
      EXPECT_EQ(device_->live_bytes(), st.reserved);
      EXPECT_EQ(static_cast<std::int64_t>(device_->live_count()), st.num_segments);
      const Bytes delta = device_->QueryMemInfo().used() - before;
      EXPECT_GE(delta, st.reserved - 2 * kMiB);
      EXPECT_LE(std::abs(delta - st.reserved), 2 * kMiB * st.num_segments);
      ASSERT_TRUE(device_->FillLive(5).ok());  // the segments are real and writable
      for (BlockHandle h : cuda_loaded->live) cuda_alloc.Free(h);
      cuda_alloc.EmptyCache();
      EXPECT_EQ(device_->live_count(), 0u);
    }
    EXPECT_LE(std::abs(device_->QueryMemInfo().used() - before), 2 * kMiB);
  }
}

}  // namespace
}  // namespace tpsim
