// SimDevice: a simulated card. `total` is what cudaMemGetInfo reports; `baseline_used` is memory in use
// before this process allocates anything of its own (other processes, or the CUDA context once the
// caller books it). Raw allocations are booked exactly; out of memory is a Status, not a crash.
#ifndef TPSIM_SIM_DEVICE_SIM_DEVICE_H_
#define TPSIM_SIM_DEVICE_SIM_DEVICE_H_

#include <string>
#include <unordered_map>

#include "sim/device/device.h"

namespace tpsim {

class SimDevice final : public Device {
 public:
  SimDevice(std::string name, Bytes total, Bytes baseline_used = 0);

  std::string name() const override { return name_; }
  MemInfo QueryMemInfo() const override { return {total_, total_ - used_}; }
  StatusOr<RawHandle> RawMalloc(Bytes bytes, std::string_view label) override;
  void RawFree(RawHandle handle) override;

 private:
  std::string name_;
  Bytes total_;
  Bytes used_;
  RawHandle next_handle_ = 1;
  std::unordered_map<RawHandle, Bytes> live_;
};

// vLLM/torch's OOM sentence for a failed allocation of `bytes` on a card.
std::string CudaOutOfMemoryMessage(Bytes bytes, const MemInfo& info);

}  // namespace tpsim

#endif  // TPSIM_SIM_DEVICE_SIM_DEVICE_H_
