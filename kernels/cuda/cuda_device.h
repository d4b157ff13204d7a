// CudaDevice: one real GPU behind the Device interface (sim/device/device.h), so that the rank program
// that `tpsim plan` replays on a SimDevice runs for real: RawMalloc is cudaMalloc, RawFree is cudaFree,
// QueryMemInfo is cudaMemGetInfo, all on the chosen device ordinal. The caching-allocator replay
// (CachingAllocator) on top of it therefore cudaMallocs real segments of exactly the sizes PyTorch
// would. Plain C++: this header needs no CUDA header, so the CLI and the tests include it freely.
//
// Errors: cudaErrorMemoryAllocation -> ResourceExhausted with PyTorch's sentence ("CUDA out of memory.
// Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 23.52 GiB of which 10.00 MiB is free.");
// any other failure -> Internal with CUDA's error name. A failed call's error is cleared from the
// runtime's last-error slot. Every call first makes this device current on the calling thread.
// Thread-compatible; one CudaDevice per rank, as with SimDevice.
#ifndef TPSIM_KERNELS_CUDA_CUDA_DEVICE_H_
#define TPSIM_KERNELS_CUDA_CUDA_DEVICE_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sim/base/status_or.h"
#include "sim/device/device.h"

namespace tpsim {

// Number of CUDA devices this process can see; 0 when there is no device or no (new enough) driver
// (cudaErrorNoDevice, cudaErrorInsufficientDriver) and on any other failure of the query. Never fails.
int CudaDeviceCount();

// The same query with the reason: Unavailable("no CUDA device ...") when there is none, with CUDA's
// error name when the runtime could not be initialised.
StatusOr<int> ProbeCudaDevices();

class CudaDevice final : public Device {
 public:
  // Makes `ordinal` current and creates its primary context (cudaFree(nullptr)). Unavailable when the
  // ordinal does not exist; Internal when the context cannot be created.
  static StatusOr<std::unique_ptr<CudaDevice>> Open(int ordinal);
  // Frees every allocation still live.
  ~CudaDevice() override;

  std::string name() const override;  // "cuda:<ordinal>"
  MemInfo QueryMemInfo() const override;
  StatusOr<RawHandle> RawMalloc(Bytes bytes, std::string_view label) override;
  void RawFree(RawHandle handle) override;

  int ordinal() const { return ordinal_; }
  // cudaDeviceProp.name, e.g. "NVIDIA GeForce RTX 4090".
  const std::string& product_name() const { return product_name_; }
  int compute_capability() const { return compute_capability_; }
  // The device address of a live allocation; nullptr for an unknown handle (or a 0-byte allocation).
  void* Pointer(RawHandle handle) const;
  Bytes live_bytes() const { return live_bytes_; }
  std::size_t live_count() const { return live_.size(); }
  // Fills every live allocation with pseudo-random bytes (a fill kernel; `seed` makes it repeatable)
  // and waits for it: memory that was only reserved becomes resident and holds data.
  Status FillLive(std::uint64_t seed);
  // When on, every later RawMalloc fills its new allocation with pseudo-random bytes (enqueued on the
  // legacy default stream, seeded by `seed` and the handle): what the caching allocator puts in its
  // segments (weights of the real shapes, activations, KV) then holds data, as after a real load.
  void set_fill_on_malloc(bool on, std::uint64_t seed = 1) {
    fill_on_malloc_ = on;
    fill_seed_ = seed;
  }
  // Makes this device current on the calling thread (CUDA's current device is per thread).
  Status MakeCurrent() const;
  // cudaDeviceSynchronize: surfaces errors of kernels launched earlier.
  Status Synchronize() const;

 private:
  struct Allocation {
    void* ptr = nullptr;
    Bytes bytes = 0;
  };
  CudaDevice(int ordinal, std::string product_name, int compute_capability, Bytes total);

  int ordinal_;
  std::string product_name_;
  int compute_capability_;
  Bytes total_;
  mutable MemInfo last_info_;  // the last successful reading, returned if a query fails
  RawHandle next_handle_ = 1;
  std::unordered_map<RawHandle, Allocation> live_;
  Bytes live_bytes_ = 0;
  bool fill_on_malloc_ = false;
  std::uint64_t fill_seed_ = 1;
};

}  // namespace tpsim

#endif  // TPSIM_KERNELS_CUDA_CUDA_DEVICE_H_
