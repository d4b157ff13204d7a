// Shared by the GPU tests (tests/gpu): the fixture that skips when this machine has no CUDA device,
// host-side random data in half precision, and error measures between a kernel's output and its host
// reference loop.
#ifndef TPSIM_TESTS_GPU_GPU_TEST_UTIL_H_
#define TPSIM_TESTS_GPU_GPU_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/half.h"

namespace tpsim::testing {

// Opens GPU 0 for each test; every test of a fixture derived from it is skipped on a machine without
// a CUDA device (CudaDeviceCount() == 0), so `ctest -L gpu` passes there.
class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (CudaDeviceCount() == 0) GTEST_SKIP() << "no CUDA device";
    auto d = CudaDevice::Open(0);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    device_ = std::move(*d);
  }
  std::unique_ptr<CudaDevice> device_;
};

// n half values (as bit patterns) uniform in [lo, hi).
inline std::vector<std::uint16_t> RandomHalves(std::size_t n, float lo, float hi, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<std::uint16_t> out(n);
  for (auto& v : out) v = gpu::FloatToHalfBits(dist(rng));
  return out;
}

inline std::vector<float> ToFloats(const std::vector<std::uint16_t>& halves) {
  std::vector<float> out(halves.size());
  for (std::size_t i = 0; i < halves.size(); ++i) out[i] = gpu::HalfBitsToFloat(halves[i]);
  return out;
}

// Largest |got - want| / (abs_tol + rel_tol * |want|) over the elements: <= 1 means within tolerance.
// Also fails the current test when the sizes differ or a value is not finite.
inline double WorstError(const std::vector<float>& got, const std::vector<float>& want, double abs_tol,
                         double rel_tol) {
  EXPECT_EQ(got.size(), want.size());
  double worst = 0;
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
    if (!std::isfinite(got[i])) {
      ADD_FAILURE() << "element " << i << " is not finite";
      return INFINITY;
    }
    const double e = std::fabs(static_cast<double>(got[i]) - want[i]) / (abs_tol + rel_tol * std::fabs(want[i]));
    worst = std::max(worst, e);
  }
  return worst;
}

inline double MaxAbsError(const std::vector<float>& got, const std::vector<float>& want) {
  return WorstError(got, want, 1.0, 0.0);
}

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_GPU_GPU_TEST_UTIL_H_
