#include "sim/engine/kv_cache.h"

#include <gtest/gtest.h>

#include "tests/testing/model_fixtures.h"

namespace tpsim {
namespace {

ResolvedConfig Cfg(int tp, std::int64_t max_model_len) {
  ResolvedConfig c;
  c.model = testing::Qwen3_32B_Awq();
  c.tp = tp;
  c.kv_dtype = DType::kF16;
  c.block_size = 16;
  c.max_model_len = max_model_len;
  return c;
}

TEST(KvCacheTest, PageBytesFollowResearchTable) {
  EXPECT_EQ(PageBytesPerLayer(Cfg(1, 4096)), 64 * kKiB);
  EXPECT_EQ(PageBytesPerLayer(Cfg(2, 4096)), 32 * kKiB);
  EXPECT_EQ(PageBytesPerLayer(Cfg(4, 4096)), 16 * kKiB);
  EXPECT_EQ(PageBytesPerLayer(Cfg(8, 4096)), 8 * kKiB);
  EXPECT_EQ(PageBytesPerLayer(Cfg(16, 4096)), 8 * kKiB);  // one replicated KV head per rank
  ResolvedConfig fp8 = Cfg(4, 4096);
  fp8.kv_dtype = DType::kF8E4M3;
  EXPECT_EQ(PageBytesPerLayer(fp8), 8 * kKiB);
}

TEST(KvCacheTest, BlocksOfTheC030Anchor) {
  // C030 (V0): 13.10 GiB at tp 4 -> 13414 blocks ("# cuda blocks: 13414"), 6.55x at 32768.
  ResolvedConfig c = Cfg(4, 32768);
  c.era = VllmEra::kV0;
  EXPECT_NEAR(static_cast<double>(NumBlocks(c, GiBToBytes(13.10))), 13414, 2);
  EXPECT_EQ(NumBlocks(c, 0), 0);
  EXPECT_EQ(NumBlocks(c, -kGiB), 0);
}

TEST(KvCacheTest, V0ChecksTokensAgainstTheLengthInItsOwnWords) {
  ResolvedConfig c = Cfg(1, 32768);
  c.era = VllmEra::kV0;
  const KvVerdict v = CheckKvCache(c, kGiB, 100);  // 1600 tokens < 32768
  EXPECT_EQ(v.kind, ErrorKind::kKvCacheTooSmall);
  EXPECT_NE(v.message.find("The model's max seq len (32768) is larger than the maximum number of tokens "
                           "that can be stored in KV cache (1600)"),
            std::string::npos);
  EXPECT_EQ(CheckKvCache(c, kGiB, 2048).kind, ErrorKind::kNone);      // exactly 32768 tokens fit
  EXPECT_EQ(CheckKvCache(c, kGiB, 0).kind, ErrorKind::kNoKvMemory);  // shared by every era
}

TEST(KvCacheTest, TooSmallGivesVllmMessageWithEstimate) {
  const ResolvedConfig c = Cfg(1, 32768);
  const Bytes avail = 2 * kGiB;
  const KvVerdict v = CheckKvCache(c, avail, NumBlocks(c, avail));
  EXPECT_EQ(v.kind, ErrorKind::kKvCacheTooSmall);
  EXPECT_NE(v.message.find("(8.00 GiB KV cache is needed"), std::string::npos);
  const std::int64_t est = EstimateMaxModelLen(c, avail);
  EXPECT_LE(BytesForOneRequest(c, est), avail);
  EXPECT_GT(BytesForOneRequest(c, est + 16), avail);
  EXPECT_NE(v.message.find("estimated maximum model length is " + std::to_string(est)), std::string::npos);
  EXPECT_EQ(CheckKvCache(c, -5, 0).kind, ErrorKind::kNoKvMemory);
  EXPECT_EQ(CheckKvCache(c, 9 * kGiB, NumBlocks(c, 9 * kGiB)).kind, ErrorKind::kNone);
}

}  // namespace
}  // namespace tpsim
