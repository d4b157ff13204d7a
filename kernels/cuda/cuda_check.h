// Internal to kernels/cuda (includes the CUDA runtime header): turning cudaError_t into tpsim::Status.
// A failed call's error is also cleared from the runtime's last-error slot (cudaGetLastError), so that a
// later, unrelated check does not report it again. Errors that corrupt the context (illegal address,
// launch failure) stay sticky in the driver whatever is done here; they surface as Internal.
#ifndef TPSIM_KERNELS_CUDA_CUDA_CHECK_H_
#define TPSIM_KERNELS_CUDA_CUDA_CHECK_H_

#include <cuda_runtime.h>

#include <string>

#include "sim/base/status.h"

namespace tpsim::gpu {

// OK for cudaSuccess; otherwise Internal "<what>: <cudaErrorName>: <description>".
inline Status CudaStatus(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::Ok();
  (void)cudaGetLastError();
  return Status::Internal(std::string(what) + ": " + cudaGetErrorName(err) + ": " +
                          cudaGetErrorString(err));
}

// The status of the last kernel launch (launch-configuration errors; execution errors appear at the
// next synchronisation).
inline Status LaunchStatus(const char* kernel) {
  return CudaStatus(cudaGetLastError(), kernel);
}

}  // namespace tpsim::gpu

#define TPSIM_CUDA_RETURN_IF_ERROR(call) TPSIM_RETURN_IF_ERROR(::tpsim::gpu::CudaStatus((call), #call))

#endif  // TPSIM_KERNELS_CUDA_CUDA_CHECK_H_
