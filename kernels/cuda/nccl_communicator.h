// NcclCommunicator: a real NCCL communicator over the ranks of a ProcessGroup, one GPU per rank, as
// vLLM's PyNcclCommunicator creates it: rank 0 calls ncclGetUniqueId and the 128-byte id is broadcast
// over the ProcessGroup (host control plane), every rank calls ncclCommInitRank on its device, then a
// warm-up all-reduce of one float runs. Its device footprint is measured as the cudaMemGetInfo used
// delta around creation (init + warm-up), which is what vLLM's init snapshot sees of NCCL
// (research/nccl_cuda_overheads.md §1). Collectives enqueue on a stream; callers synchronise.
// Destroyed with ncclCommDestroy. Plain C++ (no CUDA or NCCL header).
//
// Every rank must call Create and every collective in the same order (NCCL blocks otherwise). Errors:
// Unavailable when this build has no NCCL; Internal with NCCL's text for NCCL failures.
#ifndef TPSIM_KERNELS_CUDA_NCCL_COMMUNICATOR_H_
#define TPSIM_KERNELS_CUDA_NCCL_COMMUNICATOR_H_

#include <cstdint>
#include <memory>
#include <string>

#include "kernels/cuda/cuda_device.h"
#include "sim/base/status_or.h"
#include "sim/comm/process_group.h"
#include "sim/model/dtype.h"

namespace tpsim {

class NcclCommunicator {
 public:
  // REQUIRES: `device` is this rank's GPU and outlives the communicator; pg.size() ranks each call it.
  static StatusOr<std::unique_ptr<NcclCommunicator>> Create(ProcessGroup& pg, CudaDevice& device);
  ~NcclCommunicator();
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Device memory the communicator took at creation (used after - used before, init + warm-up).
  Bytes footprint() const { return footprint_; }
  // "2.28.3" for the NCCL this process runs.
  static std::string Version();

  // Sum over ranks of `count` elements of `dtype` (in place when send == recv). `stream` is a
  // cudaStream_t; nullptr = the legacy default stream. Supported: float32/16, bfloat16, int8/32/64, uint8, float64.
  Status AllReduceSum(const void* send, void* recv, std::int64_t count, DType dtype, void* stream = nullptr);
  // recv [size * count] = every rank's send [count], in rank order.
  Status AllGather(const void* send, void* recv, std::int64_t count, DType dtype, void* stream = nullptr);

 private:
  NcclCommunicator(int rank, int size, CudaDevice* device);

  int rank_;
  int size_;
  CudaDevice* device_;
  void* comm_ = nullptr;  // ncclComm_t
  Bytes footprint_ = 0;
};

}  // namespace tpsim

#endif  // TPSIM_KERNELS_CUDA_NCCL_COMMUNICATOR_H_
