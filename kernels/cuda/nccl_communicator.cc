#include "kernels/cuda/nccl_communicator.h"

#include <cstring>

#include "kernels/cuda/cuda_check.h"
#include "tpsim/build_config.h"
#if TPSIM_HAVE_NCCL
#include <nccl.h>
#endif

namespace tpsim {

#if TPSIM_HAVE_NCCL

namespace {

Status NcclStatus(ncclResult_t r, const char* what) {
  if (r == ncclSuccess) return Status::Ok();
  (void)cudaGetLastError();
  return Status::Internal(std::string(what) + ": " + ncclGetErrorString(r));
}

StatusOr<ncclDataType_t> NcclType(DType t) {
  switch (t) {
    case DType::kF32: return ncclFloat32;
    case DType::kF16: return ncclFloat16;
    case DType::kBF16: return ncclBfloat16;
    case DType::kF64: return ncclFloat64;
    case DType::kI8: return ncclInt8;
    case DType::kU8: return ncclUint8;
    case DType::kI32: return ncclInt32;
    case DType::kI64: return ncclInt64;
    default: break;
  }
  return Status::InvalidArgument("NCCL: unsupported element type " + std::string(DTypeName(t)));
}

}  // namespace

NcclCommunicator::NcclCommunicator(int rank, int size, CudaDevice* device)
    : rank_(rank), size_(size), device_(device) {}

StatusOr<std::unique_ptr<NcclCommunicator>> NcclCommunicator::Create(ProcessGroup& pg, CudaDevice& device) {
  TPSIM_RETURN_IF_ERROR(device.MakeCurrent());
  const Bytes before = device.QueryMemInfo().used();
  // The id travels over the host control plane; every rank takes part even if rank 0 failed.
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  Status id_status = Status::Ok();
  if (pg.rank() == 0) id_status = NcclStatus(ncclGetUniqueId(&id), "ncclGetUniqueId");
  std::string payload(reinterpret_cast<const char*>(&id), sizeof(id));
  TPSIM_ASSIGN_OR_RETURN(std::int64_t id_failed, pg.AllReduceMax(id_status.ok() ? 0 : 1));
  if (id_failed != 0) return id_status.ok() ? Status::Internal("ncclGetUniqueId failed on rank 0") : id_status;
  TPSIM_ASSIGN_OR_RETURN(std::string received, pg.Broadcast(payload));
  if (received.size() != sizeof(id)) return Status::Internal("NCCL unique id of the wrong size");
  std::memcpy(&id, received.data(), sizeof(id));

  std::unique_ptr<NcclCommunicator> c(new NcclCommunicator(pg.rank(), pg.size(), &device));
  ncclComm_t comm = nullptr;
  TPSIM_RETURN_IF_ERROR(NcclStatus(ncclCommInitRank(&comm, pg.size(), id, pg.rank()), "ncclCommInitRank"));
  c->comm_ = comm;

  // Warm-up all-reduce of one float, as vLLM's PyNcclCommunicator.__init__ does.
  float* scratch = nullptr;
  cudaStream_t stream = nullptr;
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(cudaStreamCreate(&stream), "cudaStreamCreate (NCCL warm-up)"));
  Status s = gpu::CudaStatus(cudaMalloc(&scratch, sizeof(float)), "cudaMalloc (NCCL warm-up)");
  if (s.ok()) s = gpu::CudaStatus(cudaMemset(scratch, 0, sizeof(float)), "cudaMemset (NCCL warm-up)");
  if (s.ok()) s = c->AllReduceSum(scratch, scratch, 1, DType::kF32, stream);
  if (s.ok()) s = gpu::CudaStatus(cudaStreamSynchronize(stream), "NCCL warm-up all-reduce");
  if (scratch != nullptr && cudaFree(scratch) != cudaSuccess) (void)cudaGetLastError();
  if (cudaStreamDestroy(stream) != cudaSuccess) (void)cudaGetLastError();
  TPSIM_RETURN_IF_ERROR(s);
  c->footprint_ = device.QueryMemInfo().used() - before;
  return c;
}

NcclCommunicator::~NcclCommunicator() {
  if (comm_ == nullptr) return;
  (void)device_->MakeCurrent();
  (void)ncclCommDestroy(static_cast<ncclComm_t>(comm_));
}

std::string NcclCommunicator::Version() {
  int v = 0;
  if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
  // NCCL_VERSION(X, Y, Z) = X * 10000 + Y * 100 + Z since 2.9.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

Status NcclCommunicator::AllReduceSum(const void* send, void* recv, std::int64_t count, DType dtype,
                                      void* stream) {
  if (count < 0) return Status::InvalidArgument("all-reduce: negative count");
  TPSIM_ASSIGN_OR_RETURN(ncclDataType_t t, NcclType(dtype));
  TPSIM_RETURN_IF_ERROR(device_->MakeCurrent());
  return NcclStatus(ncclAllReduce(send, recv, static_cast<std::size_t>(count), t, ncclSum,
                                  static_cast<ncclComm_t>(comm_), static_cast<cudaStream_t>(stream)),
                    "ncclAllReduce");
}

Status NcclCommunicator::AllGather(const void* send, void* recv, std::int64_t count, DType dtype,
                                   void* stream) {
  if (count < 0) return Status::InvalidArgument("all-gather: negative count");
  TPSIM_ASSIGN_OR_RETURN(ncclDataType_t t, NcclType(dtype));
  TPSIM_RETURN_IF_ERROR(device_->MakeCurrent());
  return NcclStatus(ncclAllGather(send, recv, static_cast<std::size_t>(count), t,
                                  static_cast<ncclComm_t>(comm_), static_cast<cudaStream_t>(stream)),
                    "ncclAllGather");
}

#else  // !TPSIM_HAVE_NCCL

NcclCommunicator::NcclCommunicator(int rank, int size, CudaDevice* device)
    : rank_(rank), size_(size), device_(device) {}

StatusOr<std::unique_ptr<NcclCommunicator>> NcclCommunicator::Create(ProcessGroup&, CudaDevice&) {
  return Status::Unavailable("this tpsim was built without NCCL");
}

NcclCommunicator::~NcclCommunicator() = default;

std::string NcclCommunicator::Version() { return "none"; }

Status NcclCommunicator::AllReduceSum(const void*, void*, std::int64_t, DType, void*) {
  return Status::Unavailable("this tpsim was built without NCCL");
}

Status NcclCommunicator::AllGather(const void*, void*, std::int64_t, DType, void*) {
  return Status::Unavailable("this tpsim was built without NCCL");
}

#endif  // TPSIM_HAVE_NCCL

}  // namespace tpsim
