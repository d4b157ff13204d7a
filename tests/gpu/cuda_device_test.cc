// CudaDevice (kernels/cuda/cuda_device.h) on GPU 0: raw allocations move cudaMemGetInfo by their size,
// out of memory is ResourceExhausted with PyTorch's words and leaves the device usable. Skipped
// without a CUDA device.
#include "kernels/cuda/cuda_device.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "kernels/cuda/layer_kernels.h"
#include "tests/gpu/gpu_test_util.h"

namespace tpsim {
namespace {

using testing::GpuTest;

// cudaMalloc rounds to its own granularity (2 MiB pages for large allocations).
constexpr Bytes kSlack = 2 * kMiB;

class CudaDeviceTest : public GpuTest {};

TEST_F(CudaDeviceTest, DescribesItself) {
  EXPECT_EQ(device_->name(), "cuda:0");
  EXPECT_FALSE(device_->product_name().empty());
  EXPECT_GE(device_->compute_capability(), 50);
  const MemInfo info = device_->QueryMemInfo();
  EXPECT_GT(info.total, 0);
  EXPECT_GE(info.free, 0);
  EXPECT_LE(info.free, info.total);
  EXPECT_GE(CudaDeviceCount(), 1);
}

TEST_F(CudaDeviceTest, AllocAndFreeMoveMemInfoByTheirSize) {
  const Bytes size = 256 * kMiB;
  const Bytes before = device_->QueryMemInfo().used();
  auto h = device_->RawMalloc(size, "test buffer");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_NE(*h, 0u);
  EXPECT_NE(device_->Pointer(*h), nullptr);
  EXPECT_EQ(device_->live_bytes(), size);
  const Bytes during = device_->QueryMemInfo().used();
  EXPECT_GE(during - before, size);
  EXPECT_LE(during - before, size + kSlack);
  ASSERT_TRUE(device_->FillLive(1).ok());
  device_->RawFree(*h);
  EXPECT_EQ(device_->live_count(), 0u);
  const Bytes after = device_->QueryMemInfo().used();
  EXPECT_LE(std::abs(after - before), kSlack);
}

TEST_F(CudaDeviceTest, ZeroByteAllocationIsAValidHandle) {
  auto h = device_->RawMalloc(0, "empty");
  ASSERT_TRUE(h.ok());
  EXPECT_NE(*h, 0u);
  EXPECT_EQ(device_->Pointer(*h), nullptr);
  device_->RawFree(*h);
  EXPECT_EQ(device_->live_count(), 0u);
}

TEST_F(CudaDeviceTest, OutOfMemoryIsResourceExhaustedAndRecoverable) {
  const MemInfo info = device_->QueryMemInfo();
  auto h = device_->RawMalloc(info.total + kGiB, "too big");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(h.status().message().find("CUDA out of memory. Tried to allocate"), std::string::npos);
  EXPECT_NE(h.status().message().find("GPU 0 has a total capacity of"), std::string::npos);
  // The failure was cleared: allocations and kernels work afterwards.
  auto ok = device_->RawMalloc(kMiB, "after oom");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(gpu::FillRandomBits(device_->Pointer(*ok), kMiB, 3).ok());
  EXPECT_TRUE(device_->Synchronize().ok());
  device_->RawFree(*ok);
}

TEST_F(CudaDeviceTest, NonexistentOrdinalIsUnavailable) {
  auto d = CudaDevice::Open(CudaDeviceCount());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(CudaDevice::Open(-1).status().code(), Status::Code::kUnavailable);
}

TEST_F(CudaDeviceTest, DestructorFreesWhatIsLeft) {
  const Bytes before = device_->QueryMemInfo().used();
  {
    auto other = CudaDevice::Open(0);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->RawMalloc(128 * kMiB, "leaked on purpose").ok());
  }
  EXPECT_LE(std::abs(device_->QueryMemInfo().used() - before), kSlack);
}

}  // namespace
}  // namespace tpsim
