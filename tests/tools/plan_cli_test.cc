// End-to-end tests of the tpsim binary: the README's main job, the JSON contract, exit codes and the
// golden Qwen3-32B-AWQ on RTX 4090 case (max_model_len 32768).
#include <gtest/gtest.h>

#include "tests/testing/cli_run.h"
#include "tests/testing/temp_path.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using tpsim::testing::CliRun;

using tpsim::testing::Tpsim;

nlohmann::json PlanJson(const std::string& args) {
  CliRun r = Tpsim("plan --json " + args);
  EXPECT_EQ(r.rc, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

// Golden: Qwen3-32B-AWQ, 4x RTX 4090 (23.52 GiB each), max_model_len 32768, vLLM defaults.
// tp 1: 18.14 GiB of weights leave 21.16 - 18.14 - activation/sampler 0.53 - non-torch 0.25 = 2.24
// GiB, less than the 8 GiB one 32768-token request needs (64 layers x 2048 blocks x 64 KiB): vLLM
// refuses with its "max seq len" error. tp 2 / tp 4: weights 9.06 / 4.58 GiB leave 11.33 / 15.81 GiB,
// i.e. 11.33 GiB / (32 KiB x 64) = 5800 blocks = 92,800 tokens at tp 2 and 15.81 GiB / (16 KiB x 64) =
// 16184 blocks = 258,944 tokens at tp 4.
TEST(PlanCliTest, GoldenQwen3_32B_Awq_Rtx4090) {
  for (const char* version : {"0.10.1", "0.19.0"}) {
    SCOPED_TRACE(version);
    const std::string common = std::string(" --max-model-len 32768 --vllm-version ") + version;
    nlohmann::json tp1 = PlanJson("--tp 1" + common);
    EXPECT_EQ(tp1["outcome"], "error");
    EXPECT_EQ(tp1["error"]["kind"], "kv_cache_too_small");
    EXPECT_NE(tp1["error"]["message"].get<std::string>().find("max seq len (32768)"), std::string::npos);
    for (int tp : {2, 4}) {
      nlohmann::json j = PlanJson("--tp " + std::to_string(tp) + common);
      EXPECT_EQ(j["outcome"], "ok") << j.dump();
      ASSERT_EQ(j["ranks"].size(), static_cast<size_t>(tp));
      const double weights = j["ranks"][0]["weights_gib"];
      EXPECT_NEAR(weights, tp == 2 ? 9.057 : 4.581, 0.01);
      const std::int64_t tokens = j["kv_cache"]["tokens"];
      EXPECT_EQ(tokens, j["kv_cache"]["num_blocks"].get<std::int64_t>() * 16);
      // Per-card KV tokens grow with tp: the freed weight bytes go to the cache.
      EXPECT_GT(tokens, tp == 2 ? 80000 : 230000);
      for (const auto& r : j["ranks"]) EXPECT_LE(r["peak_used_gib"].get<double>(), 23.52);
    }
  }
}

TEST(PlanCliTest, JsonHasTheContractFields) {
  nlohmann::json j = PlanJson("--tp 2 --max-model-len 8192");
  EXPECT_EQ(j["schema"], "tpsim.plan/1");
  for (const char* k : {"model", "gpu", "tensor_parallel_size", "vllm_version", "gpu_memory_utilization",
                        "max_model_len", "max_num_seqs", "max_num_batched_tokens", "enforce_eager",
                        "quantization", "kv_cache_dtype", "block_size"}) {
    EXPECT_TRUE(j["inputs"].contains(k)) << k;
  }
  for (const char* k : {"num_blocks", "block_size", "tokens", "max_concurrency", "page_bytes_per_layer",
                        "available_gib"}) {
    EXPECT_TRUE(j["kv_cache"].contains(k)) << k;
  }
  for (const char* k : {"rank", "gpu", "total_gib", "requested_gib", "cuda_context_gib", "nccl_gib",
                        "custom_allreduce_gib", "weights_gib", "activation_peak_gib", "non_torch_gib",
                        "kv_cache_gib", "cudagraph_gib", "peak_used_gib", "final_used_gib"}) {
    EXPECT_TRUE(j["ranks"][0].contains(k)) << k;
  }
  EXPECT_EQ(j["inputs"]["quantization"], "awq_marlin");  // sm_89 auto-selects Marlin
}

TEST(PlanCliTest, PastedVllmCommandEqualsFlags) {
  CliRun a = Tpsim("plan --json --tp 4 --max-model-len 16384 --enforce-eager");
  CliRun b = Tpsim("plan --json -- vllm serve Qwen/Qwen3-32B-AWQ -tp 4 --max-model-len 16384 --enforce-eager --port 8000");
  ASSERT_EQ(a.rc, 0);
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(PlanCliTest, IniConfigSuppliesFlagsAndCommandLineWins) {
  const std::string ini = tpsim::testing::TempPath("run.ini");
  std::ofstream(ini) << "tensor-parallel-size = 4\nmax-model-len = 8192\ngpu-memory-utilization = 0.8\n";
  nlohmann::json j = PlanJson("--config " + ini + " --gpu-memory-utilization 0.85");
  EXPECT_EQ(j["inputs"]["tensor_parallel_size"], 4);
  EXPECT_EQ(j["inputs"]["max_model_len"], 8192);
  EXPECT_DOUBLE_EQ(j["inputs"]["gpu_memory_utilization"].get<double>(), 0.85);
}

TEST(PlanCliTest, BadInputIsOneLineAndExitTwo) {
  const char* bad[] = {
      "plan --gpu-memory-utilization 1.5",  "plan --gpu-memory-utilization 0",
      "plan --tp 0",                        "plan --tp 3",
      "plan --max-model-len -5",            "plan --block-size 0",
      "plan --gpu nosuchcard",              "plan --model /no/such/dir",
      "plan --vllm-version banana",         "plan --kv-cache-dtype int3",
      "plan --quantization gguf",           "plan --no-such-flag",
      "plan --max-model-len 99999999",      "nosuchcommand",
  };
  for (const char* args : bad) {
    CliRun r = Tpsim(args);
    EXPECT_EQ(r.rc, 2) << args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << args;
    ASSERT_FALSE(r.err.empty()) << args;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << args << ": " << r.err;
  }
}

TEST(PlanCliTest, TimelineFilesAreWritten) {
  const std::string dir = tpsim::testing::TempPath("tl");
  std::filesystem::remove_all(dir);
  CliRun r = Tpsim("plan --tp 2 --max-model-len 8192 --timeline " + dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  std::ifstream f(dir + "/trace.json");
  nlohmann::json trace = nlohmann::json::parse(f);
  ASSERT_TRUE(trace["traceEvents"].is_array());
  bool saw_phase = false;
  for (const auto& e : trace["traceEvents"]) {
    if (e["ph"] == "X") saw_phase = true;
    if (e["ph"] == "C") {
      for (const auto& [k, v] : e["args"].items()) EXPECT_GE(v.get<double>(), -1e-9) << k;
    }
  }
  EXPECT_TRUE(saw_phase);
  EXPECT_TRUE(std::filesystem::exists(dir + "/rank0.csv"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/rank1.csv"));
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0) {
    std::ifstream png(dir + "/memory.png", std::ios::binary);
    std::string head(8, '\0');
    png.read(head.data(), 8);
    EXPECT_EQ(head, std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(std::filesystem::file_size(dir + "/memory.png"), 10000u);
  }
}

TEST(ScaleCliTest, CompareWritesOneTimelinePerSize) {
  const std::string dir = tpsim::testing::TempPath("cmp_tl");
  std::filesystem::remove_all(dir);
  CliRun r = Tpsim("compare --max-model-len 8192 --timeline " + dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir + "/tp2/trace.json"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/tp4/rank3.csv"));
}

TEST(ScaleCliTest, ScaleShowsOneToTwoToFour) {
  CliRun r = Tpsim("scale --json --max-model-len 32768");
  ASSERT_EQ(r.rc, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sizes"].size(), 3u);
  // Weights shrink close to 1/N; the fixed part (context, sampler) does not.
  EXPECT_LT(j["fit"]["weights"]["a_gib"].get<double>(), 0.2);
  EXPECT_GT(j["fit"]["context"]["a_gib"].get<double>(), 0.3);  // paid on every card
  EXPECT_GT(j["fit"]["activation"]["fixed_share_at_largest_tp"].get<double>(), 0.9);
  EXPECT_TRUE(j["fit"]["kv_cache"]["grows_with_n"].get<bool>());
}

}  // namespace

namespace {

TEST(ShardCliTest, ListsTensorsAndReplayTotals) {
  CliRun r = Tpsim("shard --json --tp 4 --quantization awq --gpu rtx2080ti-22g");
  ASSERT_EQ(r.rc, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["ranks"].size(), 4u);
  EXPECT_EQ(j["linear_method"], "awq");
  // C030: vLLM logged "Model loading took 4.5804 GiB".
  EXPECT_NEAR(j["ranks"][3]["allocated_bytes"].get<double>() / (1 << 30), 4.5804, 0.0005);
  EXPECT_GT(j["ranks"][0]["tensors"].size(), 1000u);
  EXPECT_FALSE(j["ranks"][1].contains("tensors"));  // only --rank (0) is listed
  CliRun bad = Tpsim("shard --tp 4 --rank 4");
  EXPECT_EQ(bad.rc, 2);
}

}  // namespace
