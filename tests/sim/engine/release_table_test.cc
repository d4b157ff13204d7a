#include "sim/engine/release_table.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/model/model_config.h"
#include "topology/json_util.h"

namespace tpsim {
namespace {

GpuSpec Card(int cc_major, int cc_minor) {
  GpuSpec g;
  g.cc_major = cc_major;
  g.cc_minor = cc_minor;
  return g;
}

VllmVersion V(const char* text) {
  StatusOr<VllmVersion> v = ParseVllmVersion(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : VllmVersion{};
}

CommFeatures Features(const char* release, int cc = 90) {
  return CommFeaturesFor(V(release), Card(cc / 10, cc % 10), DefaultTorchNcclPins());
}

TEST(VllmVersionTest, ParsesWhatToolsPrint) {
  EXPECT_EQ(V("0.19.0"), (VllmVersion{0, 19, 0}));
  EXPECT_EQ(V("v0.10.1.1"), (VllmVersion{0, 10, 1}));
  EXPECT_EQ(V("0.8.5.post1"), (VllmVersion{0, 8, 5}));
  EXPECT_EQ(V("0.11.0rc1"), (VllmVersion{0, 11, 0}));
  EXPECT_EQ(V("0.9"), (VllmVersion{0, 9, 0}));
  EXPECT_FALSE(ParseVllmVersion("latest").ok());
  EXPECT_FALSE(ParseVllmVersion("99999999999.0").ok());
  EXPECT_LT((VllmVersion{0, 9, 2}), (VllmVersion{0, 10, 0}));
  EXPECT_EQ(ToString(VllmVersion{}), "0.19.0");
}

TEST(ReleaseTableTest, RowsAscendAndCoverTheModelledRange) {
  const std::vector<ReleaseRow>& rows = ReleaseRows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front().first, (VllmVersion{0, 6, 5}));
  EXPECT_EQ(EndOfModelledReleases(), (VllmVersion{1, 0, 0}));
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_LT(rows[i - 1].first, rows[i].first);
    EXPECT_FALSE(rows[i].rules_read_at.empty()) << ToString(rows[i].first);
  }
  EXPECT_TRUE(IsModelledRelease({0, 6, 5}));
  EXPECT_TRUE(IsModelledRelease({0, 99, 0}));
  EXPECT_FALSE(IsModelledRelease({0, 6, 4}));
  EXPECT_FALSE(IsModelledRelease({1, 0, 0}));
}

TEST(ReleaseTableTest, EraNamesAreDistinct) {
  std::set<std::string_view> names;
  for (VllmEra e : {VllmEra::kV0, VllmEra::kV1_0_8, VllmEra::kV1_0_9_1, VllmEra::kV1_0_11,
                    VllmEra::kV1_0_18, VllmEra::kV1_0_20}) {
    EXPECT_NE(VllmEraName(e), "?");
    names.insert(VllmEraName(e));
  }
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(VllmEraName(VllmEra::kV1_0_11), "V1 (0.11-0.17)");
}

TEST(ReleaseTableTest, SupportedVersionsAreTodaysRange) {
  EXPECT_TRUE(ParseSupportedVllmVersion("0.6.5").ok());
  EXPECT_TRUE(ParseSupportedVllmVersion("0.30.0").ok());
  StatusOr<VllmVersion> old = ParseSupportedVllmVersion("0.6.4");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().message(), "unsupported --vllm-version 0.6.4 (tpsim models vLLM 0.6.5 to 0.x)");
  EXPECT_FALSE(ParseSupportedVllmVersion("1.0.0").ok());
  StatusOr<VllmVersion> bad = ParseSupportedVllmVersion("abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "invalid --vllm-version 'abc' (expected X.Y.Z, e.g. 0.19.0)");
}

TEST(ReleaseTableTest, ErasAtTheirBoundariesAndTheTuringFallback) {
  const std::pair<const char*, VllmEra> ampere[] = {
      {"0.6.5", VllmEra::kV0},        {"0.7.3", VllmEra::kV0},        {"0.8.0", VllmEra::kV1_0_8},
      {"0.9.0", VllmEra::kV1_0_8},    {"0.9.1", VllmEra::kV1_0_9_1},  {"0.10.2", VllmEra::kV1_0_9_1},
      {"0.11.0", VllmEra::kV1_0_11},  {"0.17.1", VllmEra::kV1_0_11},  {"0.18.0", VllmEra::kV1_0_18},
      {"0.19.1", VllmEra::kV1_0_18},  {"0.20.0", VllmEra::kV1_0_20},  {"0.30.0", VllmEra::kV1_0_20},
  };
  for (const auto& [release, era] : ampere) EXPECT_EQ(EraOf(V(release), 80), era) << release;
  // V1's oracle falls back to V0 below compute capability 8.0 while V0 exists (deleted for 0.11).
  EXPECT_EQ(EraOf(V("0.8.5"), 75), VllmEra::kV0);
  EXPECT_EQ(EraOf(V("0.10.2"), 75), VllmEra::kV0);
  EXPECT_EQ(EraOf(V("0.11.0"), 75), VllmEra::kV1_0_11);
}

TEST(ReleaseTableTest, CommunicationFeaturesByRelease) {
  // vLLM forced NCCL_CUMEM_ENABLE=0 until 0.10.2 (PR #24141).
  EXPECT_FALSE(Features("0.10.1").nccl_cumem_default);
  EXPECT_TRUE(Features("0.10.2").nccl_cumem_default);
  // Symmetric memory: absent before 0.10.2, off by default there, on in 0.11.0, off in 0.11.1, on from
  // 0.12 (assumed).
  EXPECT_FALSE(Features("0.10.1").symm_mem_available);
  EXPECT_TRUE(Features("0.10.2").symm_mem_available);
  EXPECT_FALSE(Features("0.10.2").symm_mem_default);
  EXPECT_TRUE(Features("0.11.0").symm_mem_default);
  EXPECT_FALSE(Features("0.11.1").symm_mem_default);
  EXPECT_TRUE(Features("0.12.0").symm_mem_default);
  // FlashInfer fusion from 0.19; the torch.distributed logits communicator until 0.20.
  EXPECT_FALSE(Features("0.18.0").flashinfer_allreduce_fusion);
  EXPECT_TRUE(Features("0.19.0").flashinfer_allreduce_fusion);
  EXPECT_TRUE(Features("0.19.1").torch_comm_for_logits_gather);
  EXPECT_FALSE(Features("0.20.0").torch_comm_for_logits_gather);
  // Distributed init is inside the non-torch increase while the snapshot precedes it (before 0.11).
  EXPECT_TRUE(Features("0.10.2").dist_init_in_non_torch_increase);
  EXPECT_FALSE(Features("0.11.0").dist_init_in_non_torch_increase);
  // The V0 worker: before 0.8, and on Turing before 0.11.
  EXPECT_TRUE(Features("0.7.3", 80).v0_engine);
  EXPECT_FALSE(Features("0.8.0", 80).v0_engine);
  EXPECT_TRUE(Features("0.8.5", 75).v0_engine);
  EXPECT_TRUE(Features("0.8.5", 75).dist_init_in_non_torch_increase);
  EXPECT_FALSE(Features("0.11.0", 75).v0_engine);
  // The NCCL of the torch pin, and the release as named in messages.
  EXPECT_EQ(Features("0.19.0").nccl, (NcclVersion{2, 27, 5}));
  EXPECT_EQ(Features("0.19.0").torch, "2.9/2.10");
  EXPECT_EQ(Features("0.10.1").nccl, (NcclVersion{2, 26, 2}));
  EXPECT_EQ(Features("0.10.2.post1").vllm_release, "0.10.2");
  EXPECT_TRUE(Features("0.19.0").unexplained_tp_non_torch_on_sm90);
  EXPECT_FALSE(Features("0.18.0").unexplained_tp_non_torch_on_sm90);
}

TEST(ReleaseTableTest, PinsFollowTheRelease) {
  const std::vector<TorchNcclPin> pins = DefaultTorchNcclPins();
  EXPECT_EQ(PinFor(pins, {0, 19, 0}).nccl, (NcclVersion{2, 27, 5}));
  EXPECT_EQ(PinFor(pins, {0, 10, 2}).nccl, (NcclVersion{2, 27, 3}));
  EXPECT_EQ(PinFor(pins, {0, 10, 1}).nccl, (NcclVersion{2, 26, 2}));
  EXPECT_EQ(PinFor(pins, {0, 8, 5}).nccl, (NcclVersion{2, 21, 5}));
  EXPECT_EQ(PinFor(pins, {0, 2, 0}).nccl, pins.front().nccl);  // older than the table
  for (size_t i = 1; i < pins.size(); ++i) {
    EXPECT_LT(pins[i - 1].first, pins[i].first);
    EXPECT_FALSE(pins[i].source.empty());
  }
}

TEST(ReleaseTableTest, ConfigFilePinsMirrorTheCodeDefaults) {
  StatusOr<std::string> text = json_util::ReadFile(DefaultConfigsDir() + "/nccl.json");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  StatusOr<nlohmann::json> j = json_util::Parse(*text, "nccl.json");
  ASSERT_TRUE(j.ok());
  StatusOr<std::vector<TorchNcclPin>> pins = ParseTorchNcclPins(*j, "nccl.json");
  ASSERT_TRUE(pins.ok()) << pins.status().ToString();
  EXPECT_EQ(*pins, DefaultTorchNcclPins());
}

TEST(ReleaseTableTest, PinListsThatCannotBeReadAreRefused) {
  auto parse = [](const char* text) { return ParseTorchNcclPins(nlohmann::json::parse(text), "x.json"); };
  EXPECT_EQ(*parse("{}"), DefaultTorchNcclPins());  // absent: the defaults
  StatusOr<std::vector<TorchNcclPin>> one =
      parse(R"({"nccl_by_vllm": [{"vllm": "0.8.0", "torch": "2.6.0", "nccl": "2.21.5"}]})");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(PinFor(*one, {0, 19, 0}).nccl, (NcclVersion{2, 21, 5}));
  EXPECT_FALSE(parse(R"({"nccl_by_vllm": [{"vllm": "0.9.0", "nccl": "2.26.2"},
                                          {"vllm": "0.8.0", "nccl": "2.21.5"}]})")
                   .ok());
  EXPECT_FALSE(parse(R"({"nccl_by_vllm": []})").ok());
  EXPECT_FALSE(parse(R"({"nccl_by_vllm": [1]})").ok());
  EXPECT_FALSE(parse(R"({"nccl_by_vllm": [{"vllm": "0.9.0"}]})").ok());
  EXPECT_FALSE(parse(R"({"nccl_by_vllm": [{"vllm": "0.9.0", "nccl": "3.0.0"}]})").ok());
}

}  // namespace
}  // namespace tpsim
