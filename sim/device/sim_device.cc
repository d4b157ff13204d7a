#include "sim/device/sim_device.h"

#include <cstdio>

namespace tpsim {

SimDevice::SimDevice(std::string name, Bytes total, Bytes baseline_used)
    : name_(std::move(name)), total_(total), used_(baseline_used) {}

std::string CudaOutOfMemoryMessage(Bytes bytes, const MemInfo& info) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "CUDA out of memory. Tried to allocate %s. GPU 0 has a total capacity of %.2f GiB of "
                "which %s is free.",
                FormatBytes(bytes).c_str(), ToGiB(info.total), FormatBytes(info.free).c_str());
  return buf;
}

StatusOr<RawHandle> SimDevice::RawMalloc(Bytes bytes, std::string_view label) {
  if (bytes < 0) return Status::Internal("negative allocation for " + std::string(label));
  if (bytes > total_ - used_) {
    return Status::ResourceExhausted(CudaOutOfMemoryMessage(bytes, QueryMemInfo()));
  }
  used_ += bytes;
  const RawHandle h = next_handle_++;
  live_.emplace(h, bytes);
  return h;
}

void SimDevice::RawFree(RawHandle handle) {
  auto it = live_.find(handle);
  if (it == live_.end()) return;
  used_ -= it->second;
  live_.erase(it);
}

}  // namespace tpsim
