// Device: one GPU as a rank sees it: cudaMemGetInfo and raw device allocations (cudaMalloc / cuMem).
// Torch's caching allocator (CachingAllocator) sits on top and asks the Device for whole segments;
// allocations made outside torch (NCCL buffers, custom all-reduce, CUDA graphs' driver objects, lazily
// loaded kernels) go to the Device directly.
//
// SimDevice books bytes against a card's total; CudaDevice (kernels/cuda, CUDA builds) calls the
// runtime. Thread-compatible: each rank owns exactly one Device.
#ifndef TPSIM_SIM_DEVICE_DEVICE_H_
#define TPSIM_SIM_DEVICE_DEVICE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim {

struct MemInfo {
  Bytes total = 0;
  Bytes free = 0;
  Bytes used() const { return total - free; }
};

// Opaque handle of a raw device allocation; 0 is never a valid handle.
using RawHandle = std::uint64_t;

class Device {
 public:
  virtual ~Device() = default;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  // Short and stable, e.g. "sim:rtx4090:3" or "cuda:0".
  virtual std::string name() const = 0;
  // total and free as cudaMemGetInfo reports them (all processes on the card included).
  virtual MemInfo QueryMemInfo() const = 0;
  // A raw allocation of exactly `bytes` (callers round to the granularity they model). Returns
  // ResourceExhausted ("CUDA out of memory ...") when the card cannot hold it.
  virtual StatusOr<RawHandle> RawMalloc(Bytes bytes, std::string_view label) = 0;
  // REQUIRES: `handle` came from RawMalloc on this device and was not freed.
  virtual void RawFree(RawHandle handle) = 0;

 protected:
  Device() = default;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_DEVICE_DEVICE_H_
