#include "sim/engine/config_constants.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/coord/deployment.h"
#include "sim/model/model_config.h"
#include "tests/testing/cli_run.h"
#include "tests/testing/temp_path.h"
#include "topology/json_util.h"

namespace tpsim {
namespace {

namespace fs = std::filesystem;

// A private copy of configs/ for this test process.
std::string CopyOfConfigs(const std::string& name) {
  const std::string dir = testing::TempPath(name);
  fs::remove_all(dir);
  fs::copy(DefaultConfigsDir(), dir, fs::copy_options::recursive);
  return dir;
}

nlohmann::json ReadJson(const std::string& path) {
  return nlohmann::json::parse(*json_util::ReadFile(path));
}

void WriteJson(const std::string& path, const nlohmann::json& j) {
  std::ofstream(path) << j.dump(2) << "\n";
}

TEST(ConfigConstantsTest, ShippedFilesHoldTheDefaults) {
  auto c = LoadConfigConstants(DefaultConfigsDir());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE((*c)->comm == DefaultConfigConstants().comm);
  EXPECT_EQ((*c)->nccl_pins, DefaultConfigConstants().nccl_pins);
  EXPECT_TRUE((*c)->engine == DefaultConfigConstants().engine);
}

TEST(ConfigConstantsTest, MissingFilesKeepDefaultsMalformedOnesFail) {
  const std::string dir = testing::TempPath("empty_configs");
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto none = LoadConfigConstants(dir);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE((*none)->comm == CommConstants{});
  EXPECT_EQ((*none)->nccl_pins, DefaultTorchNcclPins());
  EXPECT_TRUE((*none)->engine == EngineConstants{});
  for (const char* file : {"/nccl.json", "/engine.json"}) {
    std::ofstream(dir + file) << "{ not json";
    auto bad = LoadConfigConstants(dir);
    ASSERT_FALSE(bad.ok()) << file;
    EXPECT_NE(bad.status().message().find(file + 1), std::string::npos) << bad.status().message();
    fs::remove(dir + file);
  }
  std::ofstream(dir + "/nccl.json") << R"({"nccl_by_vllm": []})";
  EXPECT_FALSE(LoadConfigConstants(dir).ok());
  fs::remove_all(dir);
}

TEST(ConfigConstantsTest, AnEditedFileIsReadAgain) {
  const std::string dir = CopyOfConfigs("reload_configs");
  auto before = LoadConfigConstants(dir);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(LoadConfigConstants(dir)->get(), before->get());  // cached
  nlohmann::json j = ReadJson(dir + "/nccl.json");
  j["nccl_max_nchannels"] = 4;
  WriteJson(dir + "/nccl.json", j);
  auto after = LoadConfigConstants(dir);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->comm.nccl_max_nchannels, 4);
  j = ReadJson(dir + "/engine.json");
  j["cuda_graphs"]["kernels_per_layer"] = 24;
  WriteJson(dir + "/engine.json", j);
  after = LoadConfigConstants(dir);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->engine.graph_kernels_per_layer, 24);
  EXPECT_EQ((*after)->comm.nccl_max_nchannels, 4);
  fs::remove_all(dir);
}

ResolvedConfig ResolveTp2(const std::string& configs) {
  EngineArgs a;
  a.model = "Qwen/Qwen3-8B";
  a.gpu = "h100-sxm";
  a.tensor_parallel_size = 2;
  a.max_model_len = 8192;
  auto c = ResolveEngineArgs(a, configs);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

// The bug of issue 12: only `topo` read configs/nccl.json, so editing it changed topo and not plan.
TEST(ConfigConstantsTest, PlanFollowsAnEditedCopyOfConfigs) {
  const std::string dir = CopyOfConfigs("edited_configs");
  auto base = RunDeploymentInProcess(ResolveTp2(dir));
  ASSERT_TRUE(base.ok() && base->ok);
  // Larger NCCL buffers and an older NCCL for 0.19 (nccl.json), bigger graph objects (engine.json).
  nlohmann::json nccl = ReadJson(dir + "/nccl.json");
  nccl["nccl_buffers"]["simple_bytes"] = 16 * 1048576;
  nccl["nccl_by_vllm"].back()["nccl"] = "2.26.2";
  WriteJson(dir + "/nccl.json", nccl);
  nlohmann::json engine = ReadJson(dir + "/engine.json");
  engine["cuda_graphs"]["bytes_per_captured_node"] = 64 * 1024;
  WriteJson(dir + "/engine.json", engine);
  const ResolvedConfig edited_cfg = ResolveTp2(dir);
  EXPECT_EQ(edited_cfg.comm_features.nccl, (NcclVersion{2, 26, 2}));
  auto edited = RunDeploymentInProcess(edited_cfg);
  ASSERT_TRUE(edited.ok() && edited->ok);
  EXPECT_GT(edited->ranks[0].nccl, base->ranks[0].nccl);
  EXPECT_GT(edited->ranks[0].cudagraph, base->ranks[0].cudagraph);
  EXPECT_LT(edited->available_kv, base->available_kv);

  // The same through the binary, against the shipped folder.
  const std::string args = " --json --model Qwen/Qwen3-8B --gpu h100-sxm --tp 2 --max-model-len 8192";
  testing::CliRun shipped = testing::Tpsim("plan --configs-dir " + DefaultConfigsDir() + args);
  testing::CliRun copy = testing::Tpsim("plan --configs-dir " + dir + args);
  ASSERT_EQ(shipped.rc, 0) << shipped.err;
  ASSERT_EQ(copy.rc, 0) << copy.err;
  const nlohmann::json a = nlohmann::json::parse(shipped.out), b = nlohmann::json::parse(copy.out);
  EXPECT_GT(b["ranks"][0]["nccl_gib"].get<double>(), a["ranks"][0]["nccl_gib"].get<double>());
  EXPECT_GT(b["ranks"][0]["cudagraph_gib"].get<double>(), a["ranks"][0]["cudagraph_gib"].get<double>());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tpsim
