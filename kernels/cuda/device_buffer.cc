#include "kernels/cuda/device_buffer.h"

#include <utility>

#include "kernels/cuda/cuda_check.h"

namespace tpsim::gpu {

StatusOr<DeviceBuffer> DeviceBuffer::Allocate(Bytes bytes) {
  if (bytes < 0) return Status::InvalidArgument("DeviceBuffer: negative size");
  DeviceBuffer b;
  if (bytes == 0) return b;
  void* p = nullptr;
  const cudaError_t err = cudaMalloc(&p, static_cast<std::size_t>(bytes));
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return Status::ResourceExhausted("CUDA out of memory. Tried to allocate " + FormatBytes(bytes) + ".");
  }
  TPSIM_RETURN_IF_ERROR(CudaStatus(err, "cudaMalloc"));
  b.ptr_ = p;
  b.bytes_ = bytes;
  return b;
}

DeviceBuffer::~DeviceBuffer() { Reset(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    Reset();
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::Reset() {
  if (ptr_ != nullptr) {
    if (cudaFree(ptr_) != cudaSuccess) (void)cudaGetLastError();
  }
  ptr_ = nullptr;
  bytes_ = 0;
}

Status DeviceBuffer::Upload(const void* host, Bytes bytes, Bytes offset) {
  if (bytes < 0 || offset < 0 || offset + bytes > bytes_) {
    return Status::InvalidArgument("DeviceBuffer::Upload out of range");
  }
  if (bytes == 0) return Status::Ok();
  return CudaStatus(cudaMemcpy(static_cast<char*>(ptr_) + offset, host, static_cast<std::size_t>(bytes),
                               cudaMemcpyHostToDevice),
                    "cudaMemcpy host to device");
}

Status DeviceBuffer::Download(void* host, Bytes bytes, Bytes offset) const {
  if (bytes < 0 || offset < 0 || offset + bytes > bytes_) {
    return Status::InvalidArgument("DeviceBuffer::Download out of range");
  }
  if (bytes == 0) return Status::Ok();
  return CudaStatus(cudaMemcpy(host, static_cast<const char*>(ptr_) + offset, static_cast<std::size_t>(bytes),
                               cudaMemcpyDeviceToHost),
                    "cudaMemcpy device to host");
}

Status DeviceBuffer::Zero() {
  if (bytes_ == 0) return Status::Ok();
  return CudaStatus(cudaMemset(ptr_, 0, static_cast<std::size_t>(bytes_)), "cudaMemset");
}

StatusOr<CudaStream> CudaStream::Create(bool non_blocking) {
  cudaStream_t s = nullptr;
  TPSIM_RETURN_IF_ERROR(CudaStatus(
      cudaStreamCreateWithFlags(&s, non_blocking ? cudaStreamNonBlocking : cudaStreamDefault),
      "cudaStreamCreateWithFlags"));
  CudaStream out;
  out.stream_ = s;
  return out;
}

CudaStream::~CudaStream() {
  if (stream_ != nullptr && cudaStreamDestroy(static_cast<cudaStream_t>(stream_)) != cudaSuccess) {
    (void)cudaGetLastError();
  }
}

CudaStream::CudaStream(CudaStream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}

CudaStream& CudaStream::operator=(CudaStream&& other) noexcept {
  if (this != &other) {
    if (stream_ != nullptr && cudaStreamDestroy(static_cast<cudaStream_t>(stream_)) != cudaSuccess) {
      (void)cudaGetLastError();
    }
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}

Status CudaStream::Synchronize() const {
  return CudaStatus(cudaStreamSynchronize(static_cast<cudaStream_t>(stream_)), "cudaStreamSynchronize");
}

Status SynchronizeStream(void* stream) {
  return CudaStatus(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), "cudaStreamSynchronize");
}

Status SynchronizeCurrentDevice() {
  return CudaStatus(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

StatusOr<Bytes> CurrentDeviceUsed() {
  std::size_t free = 0, total = 0;
  TPSIM_RETURN_IF_ERROR(CudaStatus(cudaMemGetInfo(&free, &total), "cudaMemGetInfo"));
  return static_cast<Bytes>(total) - static_cast<Bytes>(free);
}

}  // namespace tpsim::gpu
