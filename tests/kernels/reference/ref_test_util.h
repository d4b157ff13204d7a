// Shared fixtures of the reference-kernel tests: the small random Qwen3 layer, its inputs, and the
// relative error used to compare a sharded forward with the unsharded one.
#ifndef TPSIM_TESTS_KERNELS_REFERENCE_REF_TEST_UTIL_H_
#define TPSIM_TESTS_KERNELS_REFERENCE_REF_TEST_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/reference/qwen3_layer.h"
#include "kernels/reference/rotary.h"
#include "kernels/reference/tensor_ops.h"

namespace tpsim::ref::testing {

// Qwen3's rope_theta and rms_norm_eps (Qwen3-14B/32B config.json), so the test runs the real
// constants on a small layer.
inline constexpr double kRopeTheta = 1000000.0;
inline constexpr float kRmsNormEps = 1e-6f;
inline constexpr int kMaxPosition = 64;  // rotary cache rows; positions used stay below it.
inline constexpr int kTokens = 7;

// H=64, n_h=8, n_kv=2, hd=16, I=128: tp=4 and tp=8 exceed n_kv and so exercise kv replication.
inline Qwen3LayerDims SmallDims() { return {64, 8, 2, 16, 128}; }

inline Matrix RandomActivations(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = dist(gen);
  return m;
}

// Positions 5..5+T-1: a chunk that does not start at 0, so rotation angles are never trivial.
inline std::vector<int> ChunkPositions(int tokens) {
  std::vector<int> p(tokens);
  for (int t = 0; t < tokens; ++t) p[t] = 5 + t;
  return p;
}

// max |got - want| relative to the magnitude of want (at least 1).
inline float RelativeError(const Matrix& got, const Matrix& want) {
  return MaxAbsDiff(got, want) / std::max(1.0f, MaxAbs(want));
}

inline constexpr float kShardTolerance = 1e-4f;

}  // namespace tpsim::ref::testing

#endif  // TPSIM_TESTS_KERNELS_REFERENCE_REF_TEST_UTIL_H_
