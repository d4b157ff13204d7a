// End-to-end checks of `tpsim topo` through the built binary.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"
#include <nlohmann/json.hpp>

namespace tpsim {
namespace {

const std::string kData = std::string(TPSIM_SOURCE_DIR) + "/tests/data/topo/";

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result Topo(const std::string& args) {
  const std::string out = tpsim::testing::TempPath("tpsim_topo_out.txt");
  const std::string err = tpsim::testing::TempPath("tpsim_topo_err.txt");
  const std::string cmd = std::string(TPSIM_BINARY) + " topo " + args + " >" + out + " 2>" + err;
  const int rc = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(TopoCommandTest, TextReportForFourRtx4090) {
  Result r = Topo("--gpu rtx4090 --num-gpus 4");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_EQ(r.out.rfind("# tpsim topo: 4 x ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("PHB"), std::string::npos);
  EXPECT_NE(r.out.find("# rank"), std::string::npos);
  EXPECT_NE(r.out.find("MiB"), std::string::npos);
  EXPECT_NE(r.out.find("not supported on more than two PCIe-only GPUs"), std::string::npos);
  for (int rank = 0; rank < 4; ++rank) {
    EXPECT_NE(r.out.find("\n" + std::to_string(rank) + "       " + std::to_string(rank) + "    SHM"),
              std::string::npos)
        << "rank " << rank << "\n"
        << r.out;
  }
}

TEST(TopoCommandTest, JsonIsOneObjectWhoseRanksAddUp) {
  Result r = Topo("--gpu rtx4090 --num-gpus 4 --tensor-parallel-size 4 --vllm-version 0.19.0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out;
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["schema"], "tpsim.topo/1");
  EXPECT_EQ(j["inputs"]["tensor_parallel_size"], 4);
  EXPECT_EQ(j["topology"]["links"][0][1], "PHB");
  EXPECT_FALSE(j["custom_all_reduce"]["enabled"].get<bool>());
  EXPECT_NE(j["custom_all_reduce"]["reason"].get<std::string>().find("PCIe-only"), std::string::npos);
  ASSERT_EQ(j["ranks"].size(), 4u);
  for (const auto& rank : j["ranks"]) {
    long long sum = 0;
    for (const auto& a : rank["allocations"]) sum += a["bytes"].get<long long>();
    EXPECT_EQ(sum, rank["total_bytes"].get<long long>());
    EXPECT_EQ(
        rank["distributed_init_bytes"].get<long long>() + rank["first_collective_bytes"].get<long long>(),
        sum);
    EXPECT_EQ(rank["transport"], "SHM");
  }
  EXPECT_EQ(j["ranks"][0]["tree_position"], "head");
  EXPECT_EQ(j["ranks"][3]["tree_position"], "tail");
}

TEST(TopoCommandTest, ReadsAnNvidiaSmiFileAndTheShortTpFlag) {
  Result r = Topo("--gpu h100-sxm --topology " + kData + "dgx_h100_8gpu.txt -tp 4 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["topology"]["num_gpus"], 8);
  EXPECT_EQ(j["topology"]["num_nics"], 10);
  EXPECT_EQ(j["topology"]["links"][0][7], "NVS18");
  EXPECT_EQ(j["inputs"]["tensor_parallel_size"], 4);
  EXPECT_TRUE(j["custom_all_reduce"]["enabled"].get<bool>());
  EXPECT_TRUE(j["symm_mem"]["enabled"].get<bool>());
  EXPECT_EQ(j["ranks"][0]["transport"], "P2P");
}

TEST(TopoCommandTest, TwoNodePresetShowsNet) {
  Result r = Topo("--gpu rtx4090 --topology 2node-pcie-2x2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["topology"]["num_hosts"], 2);
  EXPECT_NE(j["ranks"][1]["transport"].get<std::string>().find("NET"), std::string::npos);
  EXPECT_NE(j["custom_all_reduce"]["reason"].get<std::string>().find("spans across nodes"),
            std::string::npos);
}

TEST(TopoCommandTest, BadInputIsOneLineOnStderrAndExitTwo) {
  const std::string bad_file = tpsim::testing::TempPath("tpsim_bad_topo.txt");
  {
    std::ofstream out(bad_file);
    out << "\tGPU0\tGPU1\nGPU0\t X \tNVX\nGPU1\tNVX\t X \n";
  }
  const std::pair<std::string, std::string> cases[] = {
      {"--gpu rtx9999 --num-gpus 2", "unknown GPU 'rtx9999'"},
      {"--gpu rtx4090 --topology nowhere-8gpu", "unknown topology 'nowhere-8gpu'"},
      {"--gpu rtx4090 --num-gpus 2 --tensor-parallel-size 4", "tensor_parallel_size 4"},
      {"--gpu rtx4090 --num-gpus 2 --tensor-parallel-size 0", "--tensor-parallel-size must be >= 1"},
      {"--gpu rtx4090 --num-gpus 2 --vllm-version latest", "invalid vLLM version"},
      // A release outside the release table is refused as plan refuses it, never extrapolated.
      {"--gpu rtx4090 --num-gpus 2 --vllm-version 0.5.0", "unsupported --vllm-version 0.5.0"},
      {"--gpu rtx4090 --num-gpus 2 --frobnicate", "frobnicate"},
      {"--num-gpus 2", "--gpu is required"},
      {"--gpu rtx4090", "--num-gpus"},
      {"--gpu rtx4090 --num-gpus two", "num-gpus"},
      {"--gpu rtx4090 --topology " + bad_file, "unknown link 'NVX'"},
  };
  for (const auto& [args, needle] : cases) {
    Result r = Topo(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_TRUE(r.out.empty()) << args << ": " << r.out;
    EXPECT_EQ(Lines(r.err), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
  }
  std::remove(bad_file.c_str());
}

TEST(TopoCommandTest, HelpExitsZero) {
  Result r = Topo("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--tensor-parallel-size"), std::string::npos);
}

}  // namespace
}  // namespace tpsim
