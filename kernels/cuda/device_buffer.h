// DeviceBuffer and CudaStream: RAII owners of device memory (cudaMalloc/cudaFree) and of a CUDA stream,
// for the kernels' tests and the decoder-layer run of `tpsim measure`. Plain C++ (no CUDA header).
// Both are move-only; a moved-from object owns nothing. Errors are Status values (Internal with CUDA's
// error text; ResourceExhausted when cudaMalloc runs out of memory). The current device of the calling
// thread is used.
#ifndef TPSIM_KERNELS_CUDA_DEVICE_BUFFER_H_
#define TPSIM_KERNELS_CUDA_DEVICE_BUFFER_H_

#include <cstdint>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim::gpu {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // `bytes` of device memory (0 allowed: owns nothing, data() is null).
  static StatusOr<DeviceBuffer> Allocate(Bytes bytes);
  // A buffer holding a copy of `host`.
  template <typename T>
  static StatusOr<DeviceBuffer> FromHost(const std::vector<T>& host);

  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* data() const { return ptr_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }
  Bytes size() const { return bytes_; }

  // Synchronous copies of `bytes` at byte `offset` of the buffer. InvalidArgument when out of range.
  Status Upload(const void* host, Bytes bytes, Bytes offset = 0);
  Status Download(void* host, Bytes bytes, Bytes offset = 0) const;
  // Every byte 0.
  Status Zero();
  // The whole buffer as elements of T (size() / sizeof(T) of them).
  template <typename T>
  StatusOr<std::vector<T>> ToHost() const;
  // Frees now (also done by the destructor).
  void Reset();

 private:
  void* ptr_ = nullptr;
  Bytes bytes_ = 0;
};

class CudaStream {
 public:
  CudaStream() = default;
  // A new stream. Blocking (the default): it synchronises with the legacy default stream, as
  // cudaStreamCreate; non-blocking: cudaStreamNonBlocking (what CUDA-graph capture uses).
  static StatusOr<CudaStream> Create(bool non_blocking = false);
  ~CudaStream();
  CudaStream(CudaStream&& other) noexcept;
  CudaStream& operator=(CudaStream&& other) noexcept;
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;

  // The cudaStream_t, as layer_kernels.h's Stream.
  void* get() const { return stream_; }
  // Waits for all work on the stream; surfaces errors of kernels run on it.
  Status Synchronize() const;

 private:
  void* stream_ = nullptr;
};

// cudaStreamSynchronize of a cudaStream_t given as void* (nullptr: the legacy default stream).
Status SynchronizeStream(void* stream);
// cudaDeviceSynchronize of the current device, as a Status.
Status SynchronizeCurrentDevice();
// cudaMemGetInfo of the current device: used = total - free.
StatusOr<Bytes> CurrentDeviceUsed();

template <typename T>
StatusOr<DeviceBuffer> DeviceBuffer::FromHost(const std::vector<T>& host) {
  const Bytes bytes = static_cast<Bytes>(host.size() * sizeof(T));
  TPSIM_ASSIGN_OR_RETURN(DeviceBuffer b, Allocate(bytes));
  TPSIM_RETURN_IF_ERROR(b.Upload(host.data(), bytes));
  return b;
}

template <typename T>
StatusOr<std::vector<T>> DeviceBuffer::ToHost() const {
  std::vector<T> out(static_cast<std::size_t>(bytes_) / sizeof(T));
  TPSIM_RETURN_IF_ERROR(Download(out.data(), static_cast<Bytes>(out.size() * sizeof(T))));
  return out;
}

}  // namespace tpsim::gpu

#endif  // TPSIM_KERNELS_CUDA_DEVICE_BUFFER_H_
