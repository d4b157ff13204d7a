#include "topology/topology.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"

#include <cstdio>
#include <fstream>

#include "tests/topology/test_gpus.h"
#include "topology/json_util.h"

namespace tpsim {
namespace {

using testing::A100Pcie;
using testing::H100Sxm;
using testing::Rtx3090;
using testing::Rtx4090;

const std::string kConfigs = std::string(TPSIM_SOURCE_DIR) + "/configs";
const std::string kData = std::string(TPSIM_SOURCE_DIR) + "/tests/data/topo/";

Topology Fixture(const std::string& name) {
  auto text = json_util::ReadFile(kData + name);
  EXPECT_TRUE(text.ok()) << name;
  auto t = ParseNvidiaSmiTopo(text.ok() ? *text : "");
  EXPECT_TRUE(t.ok()) << name << ": " << t.status().ToString();
  return t.ok() ? *t : Topology{};
}

void ExpectOneLineInvalid(const StatusOr<Topology>& t, const std::string& needle) {
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(t.status().message().find('\n'), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find(needle), std::string::npos) << t.status().message();
}

TEST(DefaultTopologyTest, GeForceCardsSitOnPcieWithoutPeerAccess) {
  const GpuSpec g = Rtx4090();
  auto t = DefaultTopology(g, 4);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_gpus, 4);
  EXPECT_EQ(t->link[0][1], LinkKind::kPhb);
  EXPECT_EQ(t->link[2][3], LinkKind::kPhb);
  EXPECT_EQ(t->link[0][2], LinkKind::kNode);
  EXPECT_EQ(t->link[1][3], LinkKind::kNode);
  EXPECT_EQ(t->num_hosts(), 1);
  for (int a = 0; a < 4; ++a) {
    EXPECT_EQ(t->link[a][a], LinkKind::kSelf);
    for (int b = 0; b < 4; ++b) {
      if (a != b) {
        EXPECT_FALSE(t->p2p_possible(a, b, g)) << a << "," << b;
      }
    }
  }
  auto eight = DefaultTopology(g, 8);
  ASSERT_TRUE(eight.ok());
  EXPECT_EQ(eight->numa_of_gpu[3], 0);
  EXPECT_EQ(eight->numa_of_gpu[4], 1);
  EXPECT_EQ(eight->link[3][4], LinkKind::kSys);
  EXPECT_EQ(eight->link[4][6], LinkKind::kNode);
}

TEST(DefaultTopologyTest, SxmCardsSitBehindNvswitch) {
  const GpuSpec g = H100Sxm();
  auto t = DefaultTopology(g, 8);
  ASSERT_TRUE(t.ok());
  for (int a = 0; a < 8; ++a) {
    EXPECT_EQ(t->numa_of_gpu[a], a / 4);
    for (int b = 0; b < 8; ++b) {
      if (a == b) continue;
      EXPECT_EQ(t->link[a][b], LinkKind::kNvswitch);
      EXPECT_EQ(t->nvlink_count[a][b], 18);
      EXPECT_TRUE(t->p2p_possible(a, b, g));
    }
  }
}

TEST(DefaultTopologyTest, RejectsImpossibleCounts) {
  EXPECT_EQ(DefaultTopology(Rtx4090(), 0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(DefaultTopology(Rtx4090(), 65).status().code(), Status::Code::kInvalidArgument);
}

TEST(TopologyTest, BandwidthMatrixFollowsTheLinks) {
  const GpuSpec h = H100Sxm();
  auto nvs = DefaultTopology(h, 2);
  ASSERT_TRUE(nvs.ok());
  Eigen::MatrixXd bw = nvs->BandwidthMatrix(h);
  EXPECT_DOUBLE_EQ(bw(0, 1), 18 * h.nvlink_gb_per_s_per_link);
  EXPECT_DOUBLE_EQ(bw(0, 0), h.memory_bandwidth_gb_per_s);

  const GpuSpec g = Rtx4090();
  auto pcie = DefaultTopology(g, 8);
  ASSERT_TRUE(pcie.ok());
  bw = pcie->BandwidthMatrix(g);
  EXPECT_NEAR(bw(0, 1), 16 * 1.969, 1e-9);  // Gen4 x16 per direction
  EXPECT_DOUBLE_EQ(bw(0, 1), bw(0, 2));     // PHB and NODE: the same x16 link
  EXPECT_LT(bw(0, 4), bw(0, 1));            // SYS: limited by the inter-socket link
  EXPECT_TRUE(bw.isApprox(bw.transpose()));

  const Topology nvpair = Fixture("rtx3090_2gpu_nvlink.txt");
  const GpuSpec r3 = Rtx3090();
  EXPECT_DOUBLE_EQ(nvpair.BandwidthMatrix(r3)(0, 1), 4 * r3.nvlink_gb_per_s_per_link);
}

TEST(NvidiaSmiTopoTest, ReadsDgxH100WithNicsAndAffinityColumns) {
  const Topology t = Fixture("dgx_h100_8gpu.txt");
  ASSERT_EQ(t.num_gpus, 8);
  EXPECT_EQ(t.num_nics, 10);
  for (int a = 0; a < 8; ++a) {
    EXPECT_EQ(t.numa_of_gpu[a], a / 4) << a;
    for (int b = 0; b < 8; ++b) {
      if (a == b) continue;
      // NV18 to seven peers is 126 links: only a switch can do that.
      EXPECT_EQ(t.link[a][b], LinkKind::kNvswitch);
      EXPECT_EQ(t.nvlink_count[a][b], 18);
    }
  }
  EXPECT_EQ(t.num_hosts(), 1);
}

TEST(NvidiaSmiTopoTest, ReadsFourRtx4090WithPhbNodeSys) {
  const Topology t = Fixture("rtx4090_4gpu_pcie.txt");
  ASSERT_EQ(t.num_gpus, 4);
  EXPECT_EQ(t.num_nics, 0);
  EXPECT_EQ(t.link[0][1], LinkKind::kPhb);
  EXPECT_EQ(t.link[0][2], LinkKind::kSys);
  EXPECT_EQ(t.link[1][3], LinkKind::kSys);
  EXPECT_EQ(t.link[2][3], LinkKind::kNode);
  EXPECT_EQ(t.numa_of_gpu, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_FALSE(t.p2p_possible(0, 1, Rtx4090()));
}

TEST(NvidiaSmiTopoTest, ReadsAnNvlinkPairWithAnsiCodesAndNoNumaNumber) {
  const Topology t = Fixture("rtx3090_2gpu_nvlink.txt");
  ASSERT_EQ(t.num_gpus, 2);
  EXPECT_EQ(t.link[0][1], LinkKind::kNvlink);  // 4 links is a bridge, not a switch
  EXPECT_EQ(t.nvlink_count[1][0], 4);
  EXPECT_EQ(t.numa_of_gpu, (std::vector<int>{0, 0}));  // "N/A": inferred
  // GeForce has no PCIe peer access, but NVLink gives it.
  EXPECT_TRUE(t.p2p_possible(0, 1, Rtx3090()));
}

TEST(NvidiaSmiTopoTest, ReadsFourA100PcieWithPixPxbAndAnOldStyleNic) {
  const Topology t = Fixture("a100_4gpu_pcie.txt");
  ASSERT_EQ(t.num_gpus, 4);
  EXPECT_EQ(t.num_nics, 1);
  EXPECT_EQ(t.link[0][1], LinkKind::kPix);
  EXPECT_EQ(t.link[2][3], LinkKind::kPix);
  EXPECT_EQ(t.link[0][2], LinkKind::kPxb);
  EXPECT_EQ(t.link[1][3], LinkKind::kPxb);
  EXPECT_TRUE(t.p2p_possible(0, 3, A100Pcie()));
}

TEST(NvidiaSmiTopoTest, MalformedTextIsOneLineInvalidArgument) {
  ExpectOneLineInvalid(ParseNvidiaSmiTopo(""), "empty");
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("  \n\t\n"), "empty");
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("Legend:\n  X = Self\n"), "GPU0");
  // Not square: a row is short.
  ExpectOneLineInvalid(
      ParseNvidiaSmiTopo("\tGPU0\tGPU1\tGPU2\nGPU0\t X \tPHB\tPHB\nGPU1\tPHB\t X \nGPU2\tPHB\tPHB\t X \n"),
      "square");
  // Not square: a row has more entries than columns (no affinity columns to absorb them).
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \tPHB\tPHB\nGPU1\tPHB\t X \n"), "square");
  // Unknown token.
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \tNVX\nGPU1\tNVX\t X \n"),
                       "unknown link 'NVX'");
  // Presets' tokens are not nvidia-smi's.
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \tNET\nGPU1\tNET\t X \n"),
                       "unknown link 'NET'");
  // Asymmetric.
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \tPHB\nGPU1\tNODE\t X \n"), "symmetric");
  // A missing row.
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \tPHB\n"), "no row for column 'GPU1'");
  // X off the diagonal.
  ExpectOneLineInvalid(ParseNvidiaSmiTopo("\tGPU0\tGPU1\nGPU0\t X \t X \nGPU1\tPHB\t X \n"), "cannot be X");
}

TEST(PresetTest, EveryBundledPresetLoadsAndValidates) {
  const GpuSpec g = H100Sxm();
  std::vector<std::string> presets = TopologyPresets(kConfigs);
  for (const char* want : {"pcie-4gpu", "nvlink-pairs-4gpu", "nvswitch-8gpu", "2node-pcie-2x2"}) {
    EXPECT_NE(std::find(presets.begin(), presets.end(), want), presets.end()) << want;
  }
  for (const std::string& p : presets) {
    auto t = LoadTopology(p, g, 0, kConfigs);
    ASSERT_TRUE(t.ok()) << p << ": " << t.status().ToString();
    EXPECT_EQ(t->name, p);
    EXPECT_TRUE(t->Validate().ok());
  }
}

TEST(PresetTest, TwoNodePresetPutsNetBetweenHosts) {
  auto t = LoadTopology("2node-pcie-2x2", Rtx4090(), 0, kConfigs);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_hosts(), 2);
  EXPECT_EQ(t->host_of_gpu, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(t->link[1][2], LinkKind::kNet);
  EXPECT_EQ(t->link[0][1], LinkKind::kPhb);
  EXPECT_FALSE(t->same_host(0, 3));
}

TEST(PresetTest, NumGpusKeepsTheFirstGpusAndRejectsMore) {
  auto t = LoadTopology("nvswitch-8gpu", H100Sxm(), 4, kConfigs);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_gpus, 4);
  EXPECT_EQ(t->link.size(), 4u);
  EXPECT_EQ(t->link[0][3], LinkKind::kNvswitch);
  auto too_many = LoadTopology("pcie-4gpu", Rtx4090(), 8, kConfigs);
  ExpectOneLineInvalid(too_many, "more than the 4 GPUs");
}

TEST(PresetTest, UnknownPresetListsThePresets) {
  auto t = LoadTopology("pcie-16gpu", Rtx4090(), 0, kConfigs);
  ExpectOneLineInvalid(t, "unknown topology 'pcie-16gpu'");
  EXPECT_NE(t.status().message().find("nvswitch-8gpu"), std::string::npos);
}

TEST(PresetTest, MalformedPresetsAreRejected) {
  ExpectOneLineInvalid(ParseTopologyPreset(R"({"name": "x", "link": ["X PHB", "PHB"]})", "x.json"), "square");
  ExpectOneLineInvalid(ParseTopologyPreset(R"({"name": "x", "link": ["X QPI", "QPI X"]})", "x.json"),
                       "unknown link");
  ExpectOneLineInvalid(ParseTopologyPreset(R"({"name": "x", "link": ["X NET", "NET X"]})", "x.json"), "NET");
  ExpectOneLineInvalid(
      ParseTopologyPreset(R"({"name": "x", "link": ["X PHB", "PHB X"], "host_of_gpu": [0, 1]})", "x.json"),
      "NET");
  ExpectOneLineInvalid(ParseTopologyPreset(R"({"link": ["X"]})", "x.json"), "name");
}

TEST(LoadTopologyTest, ReadsNvidiaSmiTextFromAFile) {
  auto t = LoadTopology(kData + "rtx4090_4gpu_pcie.txt", Rtx4090(), 0, kConfigs);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->num_gpus, 4);
  EXPECT_NE(t->name.find("nvidia-smi"), std::string::npos);
}

TEST(LoadTopologyTest, AnHgxSliceShowingAllLinksBecomesNvswitch) {
  const std::string path = tpsim::testing::TempPath("hgx_slice_topo.txt");
  {
    std::ofstream out(path);
    out << "\tGPU0\tGPU1\tCPU Affinity\tNUMA Affinity\nGPU0\t X \tNV18\t0-15\t0\nGPU1\tNV18\t X \t0-15\t0\n";
  }
  auto t = LoadTopology(path, H100Sxm(), 0, kConfigs);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->link[0][1], LinkKind::kNvswitch);
  // The same text for a card that is not an SXM part stays a direct NVLink pair.
  auto pcie = LoadTopology(path, testing::H100Pcie(), 0, kConfigs);
  ASSERT_TRUE(pcie.ok());
  EXPECT_EQ(pcie->link[0][1], LinkKind::kNvlink);
  std::remove(path.c_str());
}

TEST(LoadTopologyTest, EmptyNameMeansTheDefault) {
  auto t = LoadTopology("", Rtx4090(), 2, kConfigs);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->num_gpus, 2);
  EXPECT_EQ(t->link[0][1], LinkKind::kPhb);
}

TEST(LinkTokenTest, PrintsNvidiaSmiNotation) {
  EXPECT_EQ(LinkToken(LinkKind::kNvlink, 4), "NV4");
  EXPECT_EQ(LinkToken(LinkKind::kNvswitch, 18), "NVS18");
  EXPECT_EQ(LinkToken(LinkKind::kPxb, 0), "PXB");
  EXPECT_EQ(LinkToken(LinkKind::kSelf, 0), "X");
  EXPECT_TRUE(IsPcieKind(LinkKind::kSys));
  EXPECT_FALSE(IsPcieKind(LinkKind::kNet));
}

}  // namespace
}  // namespace tpsim
