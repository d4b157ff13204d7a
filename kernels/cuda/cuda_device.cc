#include "kernels/cuda/cuda_device.h"

#include <cstdio>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/layer_kernels.h"

namespace tpsim {

namespace {

// PyTorch's OOM sentence (c10/cuda/CUDACachingAllocator.cpp), with this device's ordinal.
std::string OutOfMemoryMessage(int ordinal, Bytes bytes, const MemInfo& info) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "CUDA out of memory. Tried to allocate %s. GPU %d has a total capacity of %.2f GiB of "
                "which %s is free.",
                FormatBytes(bytes).c_str(), ordinal, ToGiB(info.total), FormatBytes(info.free).c_str());
  return buf;
}

}  // namespace

StatusOr<int> ProbeCudaDevices() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    (void)cudaGetLastError();
    return Status::Unavailable(std::string("no CUDA device found (") + cudaGetErrorName(err) + ")");
  }
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(err, "cudaGetDeviceCount"));
  if (n <= 0) return Status::Unavailable("no CUDA device found");
  return n;
}

int CudaDeviceCount() {
  StatusOr<int> n = ProbeCudaDevices();
  return n.ok() ? *n : 0;
}

CudaDevice::CudaDevice(int ordinal, std::string product_name, int compute_capability, Bytes total)
    : ordinal_(ordinal),
      product_name_(std::move(product_name)),
      compute_capability_(compute_capability),
      total_(total) {
  last_info_ = {total, total};
}

StatusOr<std::unique_ptr<CudaDevice>> CudaDevice::Open(int ordinal) {
  TPSIM_ASSIGN_OR_RETURN(int count, ProbeCudaDevices());
  if (ordinal < 0 || ordinal >= count) {
    return Status::Unavailable("CUDA device " + std::to_string(ordinal) + " does not exist (" +
                               std::to_string(count) + " visible)");
  }
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(cudaSetDevice(ordinal), "cudaSetDevice"));
  // cudaFree(nullptr) creates the primary context now, so that it is in place before any reading.
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(cudaFree(nullptr), "creating the CUDA context"));
  cudaDeviceProp prop{};
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(cudaGetDeviceProperties(&prop, ordinal), "cudaGetDeviceProperties"));
  std::size_t free = 0, total = 0;
  TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(cudaMemGetInfo(&free, &total), "cudaMemGetInfo"));
  std::unique_ptr<CudaDevice> d(
      new CudaDevice(ordinal, prop.name, prop.major * 10 + prop.minor, static_cast<Bytes>(total)));
  d->last_info_ = {static_cast<Bytes>(total), static_cast<Bytes>(free)};
  return d;
}

CudaDevice::~CudaDevice() {
  if (live_.empty()) return;
  if (!MakeCurrent().ok()) return;
  for (auto& [handle, a] : live_) {
    if (a.ptr != nullptr && cudaFree(a.ptr) != cudaSuccess) (void)cudaGetLastError();
  }
}

std::string CudaDevice::name() const { return "cuda:" + std::to_string(ordinal_); }

Status CudaDevice::MakeCurrent() const {
  return gpu::CudaStatus(cudaSetDevice(ordinal_), "cudaSetDevice");
}

MemInfo CudaDevice::QueryMemInfo() const {
  if (!MakeCurrent().ok()) return last_info_;
  std::size_t free = 0, total = 0;
  if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
    (void)cudaGetLastError();
    return last_info_;
  }
  last_info_ = {static_cast<Bytes>(total), static_cast<Bytes>(free)};
  return last_info_;
}

StatusOr<RawHandle> CudaDevice::RawMalloc(Bytes bytes, std::string_view label) {
  if (bytes < 0) return Status::Internal("negative allocation for " + std::string(label));
  TPSIM_RETURN_IF_ERROR(MakeCurrent());
  void* p = nullptr;
  if (bytes > 0) {
    const cudaError_t err = cudaMalloc(&p, static_cast<std::size_t>(bytes));
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      return Status::ResourceExhausted(OutOfMemoryMessage(ordinal_, bytes, QueryMemInfo()));
    }
    TPSIM_RETURN_IF_ERROR(gpu::CudaStatus(err, ("cudaMalloc for " + std::string(label)).c_str()));
  }
  const RawHandle h = next_handle_++;
  if (fill_on_malloc_ && bytes > 0) {
    Status filled = gpu::FillRandomBits(p, bytes, fill_seed_ ^ (h * 0x9E3779B97F4A7C15ull));
    if (!filled.ok()) {
      if (cudaFree(p) != cudaSuccess) (void)cudaGetLastError();
      return filled;
    }
  }
  live_.emplace(h, Allocation{p, bytes});
  live_bytes_ += bytes;
  return h;
}

void CudaDevice::RawFree(RawHandle handle) {
  auto it = live_.find(handle);
  if (it == live_.end()) return;
  if (it->second.ptr != nullptr && MakeCurrent().ok() && cudaFree(it->second.ptr) != cudaSuccess) {
    (void)cudaGetLastError();
  }
  live_bytes_ -= it->second.bytes;
  live_.erase(it);
}

void* CudaDevice::Pointer(RawHandle handle) const {
  auto it = live_.find(handle);
  return it == live_.end() ? nullptr : it->second.ptr;
}

Status CudaDevice::FillLive(std::uint64_t seed) {
  TPSIM_RETURN_IF_ERROR(MakeCurrent());
  for (const auto& [handle, a] : live_) {
    TPSIM_RETURN_IF_ERROR(gpu::FillRandomBits(a.ptr, a.bytes, seed ^ handle));
  }
  return Synchronize();
}

Status CudaDevice::Synchronize() const {
  TPSIM_RETURN_IF_ERROR(MakeCurrent());
  return gpu::CudaStatus(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

}  // namespace tpsim
