#include "sim/device/caching_allocator.h"

#include <gtest/gtest.h>

#include "sim/device/sim_device.h"

namespace tpsim {
namespace {

TEST(CachingAllocatorTest, RoundingAndSegmentSizesFollowPyTorch) {
  EXPECT_EQ(CachingAllocator::RoundSize(1), 512);
  EXPECT_EQ(CachingAllocator::RoundSize(513), 1024);
  EXPECT_EQ(CachingAllocator::SegmentSize(kMiB), 2 * kMiB);             // small pool
  EXPECT_EQ(CachingAllocator::SegmentSize(kMiB + 512), 20 * kMiB);      // 1-10 MiB -> kLargeBuffer
  EXPECT_EQ(CachingAllocator::SegmentSize(10 * kMiB), 10 * kMiB);       // >= 10 MiB -> 2 MiB multiple
  EXPECT_EQ(CachingAllocator::SegmentSize(10 * kMiB + 1), 12 * kMiB);
}

TEST(CachingAllocatorTest, LargeBlocksSplitOnlyWithMoreThanOneMiBLeft) {
  SimDevice dev("sim", 8 * kGiB);
  CachingAllocator a(&dev);
  // 31.25 MiB -> a 32 MiB segment; 0.75 MiB left is not split off: allocated counts 32 MiB.
  auto h = a.Malloc(31 * kMiB + 256 * kKiB, "gate_up");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(a.stats().allocated, 32 * kMiB);
  EXPECT_EQ(a.stats().reserved, 32 * kMiB);
  // 5 MiB -> a 20 MiB segment, split (15 MiB left); a second 5 MiB reuses the remainder.
  auto b = a.Malloc(5 * kMiB, "b");
  auto c = a.Malloc(5 * kMiB, "c");
  ASSERT_TRUE(b.ok() && c.ok());
  EXPECT_EQ(a.stats().reserved, 52 * kMiB);
  EXPECT_EQ(a.stats().allocated, 42 * kMiB);
}

TEST(CachingAllocatorTest, FreeMergesAndEmptyCacheReleasesWholeSegments) {
  SimDevice dev("sim", 8 * kGiB);
  CachingAllocator a(&dev);
  auto b = a.Malloc(5 * kMiB, "b");
  auto c = a.Malloc(5 * kMiB, "c");
  a.Free(*b);
  a.EmptyCache();
  EXPECT_EQ(a.stats().reserved, 20 * kMiB);  // c still holds the segment
  a.Free(*c);
  EXPECT_EQ(a.stats().allocated, 0);
  a.EmptyCache();
  EXPECT_EQ(a.stats().reserved, 0);
  EXPECT_EQ(dev.QueryMemInfo().used(), 0);
}

TEST(CachingAllocatorTest, PeakAndResetPeak) {
  SimDevice dev("sim", 8 * kGiB);
  CachingAllocator a(&dev);
  auto x = a.Malloc(100 * kMiB, "x");
  a.Free(*x);
  EXPECT_EQ(a.stats().peak_allocated, 100 * kMiB);
  a.ResetPeak();
  EXPECT_EQ(a.stats().peak_allocated, 0);
  auto y = a.Malloc(50 * kMiB, "y");  // reuses the cached 100 MiB block, split
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(a.stats().reserved, 100 * kMiB);
  EXPECT_EQ(a.stats().peak_allocated, 50 * kMiB);
}

TEST(CachingAllocatorTest, OutOfMemoryReleasesCacheThenFailsWithTorchText) {
  SimDevice dev("sim", 100 * kMiB);
  CachingAllocator a(&dev);
  auto x = a.Malloc(60 * kMiB, "x");
  a.Free(*x);  // cached, not released
  auto y = a.Malloc(80 * kMiB, "y");  // needs the cache released first
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  auto z = a.Malloc(40 * kMiB, "z");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(z.status().message().find("CUDA out of memory. Tried to allocate 40.00 MiB"), std::string::npos);
}

TEST(CachingAllocatorTest, PrivatePoolsKeepTheirOwnSegments) {
  SimDevice dev("sim", 8 * kGiB);
  CachingAllocator a(&dev);
  auto g = a.Malloc(30 * kMiB, "graph", /*pool=*/2);
  a.Free(*g);
  auto d = a.Malloc(30 * kMiB, "default");  // must not reuse the graph pool's block
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(a.stats().reserved, 60 * kMiB);
  a.EmptyCache();
  EXPECT_EQ(a.stats().reserved, 60 * kMiB);  // private pool survives empty_cache
  a.ReleasePool(2);
  EXPECT_EQ(a.stats().reserved, 30 * kMiB);
}

}  // namespace
}  // namespace tpsim
