// NcclCommunicator at world size 1 on GPU 0 (an in-process group of one): init through the id
// broadcast, the warm-up all-reduce, a real all-reduce and all-gather of device buffers, the measured
// footprint. Skipped without a CUDA device.
#include "kernels/cuda/nccl_communicator.h"

#include <gtest/gtest.h>

#include "kernels/cuda/device_buffer.h"
#include "sim/comm/process_group.h"
#include "tests/gpu/gpu_test_util.h"
#include "tpsim/build_config.h"

namespace tpsim {
namespace {

class NcclCommunicatorTest : public testing::GpuTest {};

TEST_F(NcclCommunicatorTest, WorldOfOneInitsAndReduces) {
  InProcessHub hub(1);
  std::unique_ptr<ProcessGroup> pg = hub.View(0);
  const Bytes before = device_->QueryMemInfo().used();
  auto comm = NcclCommunicator::Create(*pg, *device_);
  if (!TPSIM_HAVE_NCCL) {
    ASSERT_EQ(comm.status().code(), Status::Code::kUnavailable);
    return;
  }
  ASSERT_TRUE(comm.ok()) << comm.status().ToString();
  NcclCommunicator& c = **comm;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  EXPECT_GE(c.footprint(), 0);
  EXPECT_LE(c.footprint(), device_->QueryMemInfo().used() - before + 2 * kMiB);
  EXPECT_NE(NcclCommunicator::Version().find('.'), std::string::npos);

  const std::vector<float> host = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f};
  auto buf = gpu::DeviceBuffer::FromHost(host);
  ASSERT_TRUE(buf.ok());
  auto out = gpu::DeviceBuffer::Allocate(buf->size());
  ASSERT_TRUE(out.ok());
  auto stream = gpu::CudaStream::Create();
  ASSERT_TRUE(stream.ok());
  ASSERT_TRUE(c.AllReduceSum(buf->data(), out->data(), 5, DType::kF32, stream->get()).ok());
  ASSERT_TRUE(c.AllReduceSum(buf->data(), buf->data(), 5, DType::kF32, stream->get()).ok());  // in place
  ASSERT_TRUE(stream->Synchronize().ok());
  EXPECT_EQ(*out->ToHost<float>(), host);  // a sum over one rank is the identity
  EXPECT_EQ(*buf->ToHost<float>(), host);

  ASSERT_TRUE(out->Zero().ok());
  ASSERT_TRUE(c.AllGather(buf->data(), out->data(), 5, DType::kF32, stream->get()).ok());
  ASSERT_TRUE(stream->Synchronize().ok());
  EXPECT_EQ(*out->ToHost<float>(), host);

  EXPECT_EQ(c.AllReduceSum(buf->data(), out->data(), 5, DType::kBool).code(), Status::Code::kInvalidArgument);
}

TEST_F(NcclCommunicatorTest, DestroyReturnsItsMemory) {
  if (!TPSIM_HAVE_NCCL) GTEST_SKIP() << "built without NCCL";
  InProcessHub hub(1);
  std::unique_ptr<ProcessGroup> pg = hub.View(0);
  // The first communicator of a process also loads NCCL's device code, which stays; the second one's
  // buffers must come back when it is destroyed.
  auto first = NcclCommunicator::Create(*pg, *device_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const Bytes before = device_->QueryMemInfo().used();
  {
    auto second = NcclCommunicator::Create(*pg, *device_);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
  }
  EXPECT_LE(device_->QueryMemInfo().used() - before, 4 * kMiB);
}

}  // namespace
}  // namespace tpsim
