// Each CUDA kernel of kernels/cuda/layer_kernels.h against a host reference loop written here (no
// dependency on kernels/reference), on shapes that cross the kernels' tile and chunk edges. Skipped on
// machines without a CUDA device.
#include "kernels/cuda/layer_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/half.h"
#include "tests/gpu/gpu_test_util.h"

namespace tpsim {
namespace {

using gpu::DeviceBuffer;
using gpu::FloatToHalfBits;
using gpu::HalfBitsToFloat;
using gpu::RoundToHalf;
using testing::GpuTest;
using testing::RandomHalves;
using testing::ToFloats;
using testing::WorstError;

template <typename T>
DeviceBuffer Up(const std::vector<T>& host) {
  auto b = DeviceBuffer::FromHost(host);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(*b) : DeviceBuffer();
}

template <typename T>
std::vector<T> Down(const DeviceBuffer& b) {
  EXPECT_TRUE(gpu::SynchronizeCurrentDevice().ok());
  auto v = b.ToHost<T>();
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : std::vector<T>();
}

std::vector<float> DownHalf(const DeviceBuffer& b) { return ToFloats(Down<std::uint16_t>(b)); }

// ---- fills ---------------------------------------------------------------------------------------

class FillTest : public GpuTest {};

TEST_F(FillTest, RandomBitsDependOnSeedAndOffsetOnly) {
  auto a = DeviceBuffer::Allocate(1003);
  auto b = DeviceBuffer::Allocate(1008);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(gpu::FillRandomBits(a->data(), 1003, 42).ok());
  // Same bytes through the unaligned path (one byte into b).
  ASSERT_TRUE(gpu::FillRandomBits(b->as<unsigned char>() + 1, 1003, 42).ok());
  const auto va = Down<unsigned char>(*a);
  const auto vb = Down<unsigned char>(*b);
  ASSERT_EQ(va.size(), 1003u);
  EXPECT_TRUE(std::equal(va.begin(), va.end(), vb.begin() + 1));
  const double mean = std::accumulate(va.begin(), va.end(), 0.0) / va.size();
  EXPECT_GT(mean, 110.0);
  EXPECT_LT(mean, 145.0);
  ASSERT_TRUE(gpu::FillRandomBits(a->data(), 1003, 43).ok());
  const auto vc = Down<unsigned char>(*a);
  EXPECT_GT(std::inner_product(va.begin(), va.end(), vc.begin(), 0, std::plus<>(), std::not_equal_to<>()), 900);
}

TEST_F(FillTest, UniformHalvesStayInRange) {
  const std::int64_t n = 100000;
  auto a = DeviceBuffer::Allocate(n * 2);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(gpu::FillUniformF16(a->as<std::uint16_t>(), n, -0.5f, 1.5f, 7).ok());
  const auto v = DownHalf(*a);
  double sum = 0;
  for (float x : v) {
    ASSERT_GE(x, -0.5f);
    ASSERT_LE(x, 1.5f);
    sum += x;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.02);
}

// ---- AWQ -----------------------------------------------------------------------------------------

struct HostAwq {
  std::int64_t k, n, group;
  std::vector<std::int32_t> qweight, qzeros;
  std::vector<std::uint16_t> scales;
  std::vector<float> w;  // dequantised [K, N], rounded to half as the kernel stores it
};

HostAwq MakeAwq(std::int64_t k, std::int64_t n, std::int64_t group, std::uint32_t seed) {
  HostAwq a{k, n, group, {}, {}, {}, {}};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> nib(0, 15);
  std::vector<int> q(k * n), z((k / group) * n);
  for (int& v : q) v = nib(rng);
  for (int& v : z) v = nib(rng);
  a.scales = RandomHalves((k / group) * n, 0.001f, 0.02f, seed + 1);
  // AutoAWQ packing: column 8j + c goes to nibble kAwqNibbleOfColumn[c] of word j.
  auto pack = [n](const std::vector<int>& vals, std::int64_t rows) {
    std::vector<std::int32_t> out(rows * (n / 8), 0);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t col = 0; col < n; ++col) {
        const int shift = 4 * gpu::kAwqNibbleOfColumn[col % 8];
        auto& word = out[r * (n / 8) + col / 8];
        word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) |
                                         (static_cast<std::uint32_t>(vals[r * n + col]) << shift));
      }
    }
    return out;
  };
  a.qweight = pack(q, k);
  a.qzeros = pack(z, k / group);
  a.w.resize(k * n);
  for (std::int64_t r = 0; r < k; ++r) {
    for (std::int64_t col = 0; col < n; ++col) {
      const std::int64_t g = r / group;
      a.w[r * n + col] = RoundToHalf(static_cast<float>(q[r * n + col] - z[g * n + col]) *
                                     HalfBitsToFloat(a.scales[g * n + col]));
    }
  }
  return a;
}

// The packing itself, independent of the GPU: nibble order 0,2,4,6,1,3,5,7 (AutoAWQ's order_map).
TEST(AwqPackingTest, ColumnOfNibbleInvertsAutoAwqOrder) {
  const int order_map[8] = {0, 2, 4, 6, 1, 3, 5, 7};  // nibble i holds column order_map[i]
  for (int i = 0; i < 8; ++i) EXPECT_EQ(gpu::kAwqNibbleOfColumn[order_map[i]], i);
}

class AwqTest : public GpuTest {};

TEST_F(AwqTest, DequantizeMatchesHost) {
  for (auto [k, n, g] : {std::tuple<std::int64_t, std::int64_t, std::int64_t>{256, 72, 128}, {384, 136, 64}}) {
    SCOPED_TRACE(::testing::Message() << "K=" << k << " N=" << n << " g=" << g);
    const HostAwq h = MakeAwq(k, n, g, 11);
    DeviceBuffer qw = Up(h.qweight), qz = Up(h.qzeros), sc = Up(h.scales);
    auto out = DeviceBuffer::Allocate(k * n * 2);
    ASSERT_TRUE(out.ok());
    gpu::AwqWeight w{qw.as<std::int32_t>(), qz.as<std::int32_t>(), sc.as<std::uint16_t>(), k, n, g};
    ASSERT_TRUE(gpu::AwqDequantize(w, out->as<std::uint16_t>()).ok());
    EXPECT_EQ(testing::MaxAbsError(DownHalf(*out), h.w), 0.0);
  }
}

TEST_F(AwqTest, GemmMatchesHost) {
  for (auto [m, k, n, g] : {std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>{5, 256, 72, 128},
                            {37, 384, 136, 64}, {64, 128, 512, 128}}) {
    SCOPED_TRACE(::testing::Message() << "M=" << m << " K=" << k << " N=" << n);
    const HostAwq h = MakeAwq(k, n, g, 12);
    const auto x = RandomHalves(m * k, -1.0f, 1.0f, 13);
    const auto xf = ToFloats(x);
    std::vector<float> want(m * n);
    for (std::int64_t r = 0; r < m; ++r) {
      for (std::int64_t col = 0; col < n; ++col) {
        double acc = 0;
        for (std::int64_t i = 0; i < k; ++i) acc += static_cast<double>(xf[r * k + i]) * h.w[i * n + col];
        want[r * n + col] = static_cast<float>(acc);
      }
    }
    DeviceBuffer qw = Up(h.qweight), qz = Up(h.qzeros), sc = Up(h.scales), xd = Up(x);
    auto y = DeviceBuffer::Allocate(m * n * 2);
    ASSERT_TRUE(y.ok());
    gpu::AwqWeight w{qw.as<std::int32_t>(), qz.as<std::int32_t>(), sc.as<std::uint16_t>(), k, n, g};
    ASSERT_TRUE(gpu::AwqGemm(xd.as<std::uint16_t>(), m, w, y->as<std::uint16_t>()).ok());
    // Output rounded to half (2^-11 relative) plus float accumulation.
    EXPECT_LE(WorstError(DownHalf(*y), want, 2e-3, 2e-3), 1.0);
  }
}

TEST_F(AwqTest, RejectsBadShapes) {
  gpu::AwqWeight w{nullptr, nullptr, nullptr, 128, 72, 128};
  EXPECT_EQ(gpu::AwqDequantize(w, nullptr).code(), Status::Code::kInvalidArgument);
  DeviceBuffer any = Up(std::vector<std::int32_t>(64, 0));
  w = {any.as<std::int32_t>(), any.as<std::int32_t>(), any.as<std::uint16_t>(), 100, 72, 128};
  EXPECT_EQ(gpu::AwqGemm(any.as<std::uint16_t>(), 1, w, any.as<std::uint16_t>()).code(),
            Status::Code::kInvalidArgument);  // K not a multiple of the group
}

class GemmTest : public GpuTest {};

TEST_F(GemmTest, F16MatchesHost) {
  const std::int64_t m = 19, k = 100, n = 70;
  const auto x = RandomHalves(m * k, -1.0f, 1.0f, 21);
  const auto w = RandomHalves(n * k, -0.1f, 0.1f, 22);
  const auto xf = ToFloats(x), wf = ToFloats(w);
  std::vector<float> want(m * n);
  for (std::int64_t r = 0; r < m; ++r) {
    for (std::int64_t c = 0; c < n; ++c) {
      double acc = 0;
      for (std::int64_t i = 0; i < k; ++i) acc += static_cast<double>(xf[r * k + i]) * wf[c * k + i];
      want[r * n + c] = static_cast<float>(acc);
    }
  }
  DeviceBuffer xd = Up(x), wd = Up(w);
  auto y = DeviceBuffer::Allocate(m * n * 2);
  ASSERT_TRUE(y.ok());
  ASSERT_TRUE(gpu::GemmF16(xd.as<std::uint16_t>(), wd.as<std::uint16_t>(), m, k, n, y->as<std::uint16_t>()).ok());
  EXPECT_LE(WorstError(DownHalf(*y), want, 1e-3, 2e-3), 1.0);
}

// ---- norms, rotary, activation -------------------------------------------------------------------

class NormTest : public GpuTest {};

// Host RMSNorm of one row as vLLM rounds it.
void HostRmsRow(const float* x, const float* w, std::int64_t cols, float eps, float* out) {
  double ss = 0;
  for (std::int64_t i = 0; i < cols; ++i) ss += static_cast<double>(x[i]) * x[i];
  const double inv = 1.0 / std::sqrt(ss / cols + eps);
  for (std::int64_t i = 0; i < cols; ++i) out[i] = RoundToHalf(RoundToHalf(static_cast<float>(x[i] * inv)) * w[i]);
}

TEST_F(NormTest, HiddenRmsNormMatchesHost) {
  const std::int64_t tokens = 7, hidden = 300;
  const float eps = 1e-6f;
  const auto x = RandomHalves(tokens * hidden, -2.0f, 2.0f, 31);
  const auto w = RandomHalves(hidden, 0.5f, 1.5f, 32);
  const auto xf = ToFloats(x), wf = ToFloats(w);
  std::vector<float> want(x.size());
  for (std::int64_t t = 0; t < tokens; ++t) HostRmsRow(&xf[t * hidden], wf.data(), hidden, eps, &want[t * hidden]);
  DeviceBuffer xd = Up(x), wd = Up(w);
  auto out = DeviceBuffer::Allocate(x.size() * 2);
  ASSERT_TRUE(out.ok());
  gpu::RowLayout rows{tokens, 1, hidden, hidden, hidden};
  ASSERT_TRUE(gpu::RmsNorm(xd.as<std::uint16_t>(), out->as<std::uint16_t>(), wd.as<std::uint16_t>(), rows, eps).ok());
  EXPECT_LE(WorstError(DownHalf(*out), want, 1e-3, 2e-3), 1.0);
}

// Qwen3's q_norm in place on the query heads of a qkv buffer: the key/value part stays untouched.
TEST_F(NormTest, PerHeadRmsNormInPlaceTouchesOnlyItsHeads) {
  const std::int64_t tokens = 3, heads = 4, hd = 128, stride = (heads + 2) * hd;
  const float eps = 1e-6f;
  const auto qkv = RandomHalves(tokens * stride, -3.0f, 3.0f, 33);
  const auto w = RandomHalves(hd, 0.5f, 1.5f, 34);
  const auto qf = ToFloats(qkv), wf = ToFloats(w);
  std::vector<float> want = qf;
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (std::int64_t h = 0; h < heads; ++h) HostRmsRow(&qf[t * stride + h * hd], wf.data(), hd, eps, &want[t * stride + h * hd]);
  }
  DeviceBuffer d = Up(qkv), wd = Up(w);
  gpu::RowLayout rows{tokens, heads, hd, stride, stride};
  ASSERT_TRUE(gpu::RmsNorm(d.as<std::uint16_t>(), d.as<std::uint16_t>(), wd.as<std::uint16_t>(), rows, eps).ok());
  const auto got = DownHalf(d);
  EXPECT_LE(WorstError(got, want, 1e-3, 2e-3), 1.0);
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (std::int64_t i = heads * hd; i < stride; ++i) ASSERT_EQ(got[t * stride + i], qf[t * stride + i]);
  }
}

TEST_F(NormTest, FusedAddRmsNormMatchesHost) {
  const std::int64_t tokens = 5, hidden = 1000;
  const float eps = 1e-5f;
  const auto x = RandomHalves(tokens * hidden, -1.0f, 1.0f, 35);
  const auto r = RandomHalves(tokens * hidden, -1.0f, 1.0f, 36);
  const auto w = RandomHalves(hidden, 0.5f, 1.5f, 37);
  const auto xf = ToFloats(x), rf = ToFloats(r), wf = ToFloats(w);
  std::vector<float> want_res(x.size()), want_x(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) want_res[i] = RoundToHalf(xf[i] + rf[i]);
  for (std::int64_t t = 0; t < tokens; ++t) HostRmsRow(&want_res[t * hidden], wf.data(), hidden, eps, &want_x[t * hidden]);
  DeviceBuffer xd = Up(x), rd = Up(r), wd = Up(w);
  ASSERT_TRUE(gpu::FusedAddRmsNorm(xd.as<std::uint16_t>(), rd.as<std::uint16_t>(), wd.as<std::uint16_t>(), tokens,
                                   hidden, eps).ok());
  EXPECT_EQ(testing::MaxAbsError(DownHalf(rd), want_res), 0.0);
  EXPECT_LE(WorstError(DownHalf(xd), want_x, 1e-3, 2e-3), 1.0);
}

class RotaryTest : public GpuTest {};

TEST_F(RotaryTest, CacheMatchesHost) {
  const std::int64_t positions = 4096;
  const int rot = 128;
  const double theta = 1000000.0;
  auto cache = DeviceBuffer::Allocate(positions * rot * 4);
  ASSERT_TRUE(cache.ok());
  ASSERT_TRUE(gpu::BuildRopeCache(cache->as<float>(), positions, rot, theta).ok());
  const auto got = Down<float>(*cache);
  std::vector<float> want(got.size());
  for (std::int64_t p = 0; p < positions; ++p) {
    for (int i = 0; i < rot / 2; ++i) {
      const double a = static_cast<double>(p) * std::pow(theta, -2.0 * i / rot);
      want[p * rot + i] = static_cast<float>(std::cos(a));
      want[p * rot + rot / 2 + i] = static_cast<float>(std::sin(a));
    }
  }
  EXPECT_LE(testing::MaxAbsError(got, want), 1e-6);
}

// Neox rotary on q and k inside a qkv buffer, full (Qwen3) and partial rotary dims.
TEST_F(RotaryTest, NeoxMatchesHost) {
  for (int rot : {128, 64}) {
    SCOPED_TRACE(rot);
    const std::int64_t tokens = 6, max_pos = 2048;
    const int nq = 4, nkv = 2, hd = 128;
    const std::int64_t stride = (nq + 2 * nkv) * hd;
    auto cache = DeviceBuffer::Allocate(max_pos * rot * 4);
    ASSERT_TRUE(cache.ok());
    ASSERT_TRUE(gpu::BuildRopeCache(cache->as<float>(), max_pos, rot, 10000.0).ok());
    const auto cf = Down<float>(*cache);
    std::vector<std::int64_t> pos = {0, 1, 17, 500, 2047, 1024};
    const auto qkv = RandomHalves(tokens * stride, -1.0f, 1.0f, 41);
    const auto f = ToFloats(qkv);
    std::vector<float> want = f;
    for (std::int64_t t = 0; t < tokens; ++t) {
      const float* row = &cf[pos[t] * rot];
      for (int h = 0; h < nq + nkv; ++h) {  // k heads follow q heads in the qkv layout
        const std::int64_t base = t * stride + h * hd;
        for (int i = 0; i < rot / 2; ++i) {
          const float x1 = f[base + i], x2 = f[base + i + rot / 2], c = row[i], s = row[rot / 2 + i];
          want[base + i] = RoundToHalf(x1 * c - x2 * s);
          want[base + i + rot / 2] = RoundToHalf(x2 * c + x1 * s);
        }
      }
    }
    DeviceBuffer d = Up(qkv), pd = Up(pos);
    gpu::RotaryArgs a;
    a.positions = pd.as<std::int64_t>();
    a.q = d.as<std::uint16_t>();
    a.q_token_stride = stride;
    a.num_q_heads = nq;
    a.k = d.as<std::uint16_t>() + nq * hd;
    a.k_token_stride = stride;
    a.num_kv_heads = nkv;
    a.head_dim = hd;
    a.rotary_dim = rot;
    a.cos_sin_cache = cache->as<float>();
    a.tokens = tokens;
    ASSERT_TRUE(gpu::RotaryNeox(a).ok());
    const auto got = DownHalf(d);
    EXPECT_LE(WorstError(got, want, 1e-3, 2e-3), 1.0);
    // Value heads and the non-rotated dims are untouched.
    for (std::int64_t t = 0; t < tokens; ++t) {
      for (std::int64_t i = (nq + nkv) * hd; i < stride; ++i) ASSERT_EQ(got[t * stride + i], f[t * stride + i]);
      for (int h = 0; h < nq + nkv; ++h) {
        for (int i = rot; i < hd; ++i) ASSERT_EQ(got[t * stride + h * hd + i], f[t * stride + h * hd + i]);
      }
    }
  }
}

TEST_F(NormTest, SiluAndMulMatchesHost) {
  const std::int64_t tokens = 3, inter = 1000;
  const auto in = RandomHalves(tokens * 2 * inter, -4.0f, 4.0f, 51);
  const auto f = ToFloats(in);
  std::vector<float> want(tokens * inter);
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (std::int64_t i = 0; i < inter; ++i) {
      const double g = f[t * 2 * inter + i], u = f[t * 2 * inter + inter + i];
      want[t * inter + i] = static_cast<float>(g / (1.0 + std::exp(-g)) * u);
    }
  }
  DeviceBuffer d = Up(in);
  auto out = DeviceBuffer::Allocate(tokens * inter * 2);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(gpu::SiluAndMul(d.as<std::uint16_t>(), out->as<std::uint16_t>(), tokens, inter).ok());
  EXPECT_LE(WorstError(DownHalf(*out), want, 1e-3, 2e-3), 1.0);
}

// ---- paged KV cache --------------------------------------------------------------------------------

class PagedKvTest : public GpuTest {};

TEST_F(PagedKvTest, WriteKvCachePutsTokensInTheirSlots) {
  const int nq = 4, nkv = 2, hd = 64, bs = 16;
  const std::int64_t blocks = 6, tokens = 5, stride = (nq + 2 * nkv) * hd, width = nkv * hd;
  const auto qkv = RandomHalves(tokens * stride, -1.0f, 1.0f, 61);
  const std::vector<std::int64_t> slots = {0, 17, -1, 95, 40};
  auto pool = DeviceBuffer::Allocate(2 * blocks * bs * width * 2);
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(pool->Zero().ok());
  DeviceBuffer d = Up(qkv), sd = Up(slots);
  gpu::PagedKvCache cache{pool->as<std::uint16_t>(), pool->as<std::uint16_t>() + blocks * bs * width, blocks, bs, nkv, hd};
  ASSERT_TRUE(gpu::WriteKvCache(d.as<std::uint16_t>() + nq * hd, d.as<std::uint16_t>() + (nq + nkv) * hd, stride,
                                sd.as<std::int64_t>(), tokens, cache).ok());
  const auto got = Down<std::uint16_t>(*pool);
  std::vector<std::uint16_t> want(got.size(), 0);
  for (std::int64_t t = 0; t < tokens; ++t) {
    if (slots[t] < 0) continue;
    for (std::int64_t i = 0; i < width; ++i) {
      want[slots[t] * width + i] = qkv[t * stride + nq * hd + i];
      want[blocks * bs * width + slots[t] * width + i] = qkv[t * stride + (nq + nkv) * hd + i];
    }
  }
  EXPECT_EQ(got, want);
}

// Decode attention over a pool with shuffled block tables: GQA, lengths 0, 1, 37 and 1100 (more than
// one 512-token chunk), head dims 128 and 64.
TEST_F(PagedKvTest, DecodeAttentionMatchesHost) {
  for (auto [nq, nkv, hd] : {std::tuple<int, int, int>{8, 2, 128}, {4, 4, 64}}) {
    SCOPED_TRACE(::testing::Message() << "nq=" << nq << " nkv=" << nkv << " hd=" << hd);
    const int bs = 16;
    const std::vector<std::int32_t> lens = {1, 37, 1100, 0};
    const std::int64_t seqs = lens.size();
    const int max_blocks = (1100 + bs - 1) / bs;
    const std::int64_t blocks = seqs * max_blocks, width = static_cast<std::int64_t>(nkv) * hd;
    std::vector<std::int32_t> perm(blocks);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937(71));
    std::vector<std::int32_t> table(seqs * max_blocks);
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = perm[i];
    const auto kc = RandomHalves(blocks * bs * width, -1.0f, 1.0f, 72);
    const auto vc = RandomHalves(blocks * bs * width, -1.0f, 1.0f, 73);
    const auto q = RandomHalves(seqs * nq * hd, -1.0f, 1.0f, 74);
    const auto kf = ToFloats(kc), vf = ToFloats(vc), qf = ToFloats(q);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    std::vector<float> want(seqs * nq * hd, 0.0f);
    for (std::int64_t s = 0; s < seqs; ++s) {
      for (int h = 0; h < nq; ++h) {
        const int kvh = h / (nq / nkv);
        std::vector<double> sc(lens[s]);
        double mx = -INFINITY;
        for (int t = 0; t < lens[s]; ++t) {
          const std::int64_t slot = static_cast<std::int64_t>(table[s * max_blocks + t / bs]) * bs + t % bs;
          double dot = 0;
          for (int d = 0; d < hd; ++d) dot += static_cast<double>(qf[(s * nq + h) * hd + d]) * scale * kf[slot * width + kvh * hd + d];
          sc[t] = dot;
          mx = std::max(mx, dot);
        }
        double sum = 0;
        for (double& v : sc) sum += (v = std::exp(v - mx));
        for (int d = 0; d < hd; ++d) {
          double acc = 0;
          for (int t = 0; t < lens[s]; ++t) {
            const std::int64_t slot = static_cast<std::int64_t>(table[s * max_blocks + t / bs]) * bs + t % bs;
            acc += sc[t] * vf[slot * width + kvh * hd + d];
          }
          want[(s * nq + h) * hd + d] = lens[s] > 0 ? static_cast<float>(acc / sum) : 0.0f;
        }
      }
    }
    DeviceBuffer kd = Up(kc), vd = Up(vc), qd = Up(q), td = Up(table), ld = Up(lens);
    auto out = DeviceBuffer::Allocate(seqs * nq * hd * 2);
    ASSERT_TRUE(out.ok());
    gpu::PagedKvCache cache{kd.as<std::uint16_t>(), vd.as<std::uint16_t>(), blocks, bs, nkv, hd};
    gpu::DecodeAttentionArgs a;
    a.q = qd.as<std::uint16_t>();
    a.q_token_stride = static_cast<std::int64_t>(nq) * hd;
    a.num_q_heads = nq;
    a.block_tables = td.as<std::int32_t>();
    a.max_blocks_per_seq = max_blocks;
    a.seq_lens = ld.as<std::int32_t>();
    a.num_seqs = seqs;
    a.scale = scale;
    a.out = out->as<std::uint16_t>();
    ASSERT_TRUE(gpu::PagedDecodeAttention(a, cache).ok());
    EXPECT_LE(testing::MaxAbsError(DownHalf(*out), want), 2e-3);
  }
}

}  // namespace
}  // namespace tpsim
