// End-to-end tests of the flag handling every command shares (tools/tpsim/engine_flags.h over the
// flag table sim/engine/engine_flag_table.h), through the built binary: nothing silently ignored
// (stray words, values after switches, nested INI files, --format, --timeline), one meaning per
// value (32k, 8g, 8G) in plan and sweep, and the same vLLM releases in every command.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/testing/cli_run.h"
#include "tests/testing/csv.h"
#include "tests/testing/temp_path.h"

namespace {

using tpsim::testing::CliRun;

// measure is run as on a machine without a GPU, so that its flags are what answers.
CliRun Tpsim(const std::string& args) { return tpsim::testing::Tpsim(args, "CUDA_VISIBLE_DEVICES="); }

void ExpectRefused(const std::string& args, const std::string& needle) {
  const CliRun r = Tpsim(args);
  EXPECT_EQ(r.rc, 2) << args << ": " << r.err;
  EXPECT_EQ(r.out, "") << args;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
}

nlohmann::json Json(const std::string& args) {
  const CliRun r = Tpsim(args);
  EXPECT_EQ(r.rc, 0) << args << ": " << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

// Each command, with what it needs to run otherwise.
const std::vector<std::string> kCommands = {
    "plan", "scale", "compare", "tune", "shard", "measure", "sweep --grid tp=1,2",
    "topo --gpu rtx4090 --num-gpus 2"};

TEST(FlagsCliTest, StrayWordsAreRefusedByEveryCommand) {
  for (const std::string& cmd : kCommands) {
    ExpectRefused(cmd + " --max-num-batched-tokens 8192 extra words", "unrecognized arguments: extra words");
  }
}

TEST(FlagsCliTest, SwitchesTakeNoValueAndHaveANoForm) {
  ExpectRefused("plan --enforce-eager false", "unrecognized arguments: false (--enforce-eager takes no value");
  ExpectRefused("plan --json false", "unrecognized arguments: false");
  ExpectRefused("plan --enforce-eager=false", "--enforce-eager");
  ExpectRefused("plan --enforce-eager --no-enforce-eager", "--enforce-eager and --no-enforce-eager disagree");
  EXPECT_EQ(Json("plan --json --max-model-len 8192 --enforce-eager")["inputs"]["enforce_eager"], true);
  EXPECT_EQ(Json("plan --json --max-model-len 8192 --no-enforce-eager")["inputs"]["enforce_eager"], false);
  EXPECT_EQ(Json("plan --json --tp 2 --max-model-len 8192 --disable-custom-all-reduce")["inputs"]
                ["disable_custom_all_reduce"],
            true);
}

// --enable-chunked-prefill also takes true|false, as vLLM's StoreBoolean (0.6-0.8) did.
TEST(FlagsCliTest, ChunkedPrefillValueFormsAgree) {
  const std::string base = "plan --json --vllm-version 0.12.0 --max-model-len 8192 --max-num-batched-tokens 8192 ";
  const nlohmann::json off = Json(base + "--enable-chunked-prefill false");
  EXPECT_EQ(off["inputs"]["enable_chunked_prefill"], false);
  EXPECT_EQ(Json(base + "--enable-chunked-prefill=False"), off);
  EXPECT_EQ(Json(base + "--no-enable-chunked-prefill"), off);
  EXPECT_EQ(Json(base + "--enable-chunked-prefill")["inputs"]["enable_chunked_prefill"], true);
  ExpectRefused(base + "--enable-chunked-prefill yes", "invalid bool value: 'yes'");
}

TEST(FlagsCliTest, IniFilesCannotNestAndTakeBooleanValues) {
  const std::string inner = tpsim::testing::TempPath("inner.ini");
  const std::string outer = tpsim::testing::TempPath("outer.ini");
  std::ofstream(inner) << "enforce-eager = true\n";
  std::ofstream(outer) << "max-model-len = 8192\nconfig = " << inner << "\n";
  ExpectRefused("plan --config " + outer, "a run file cannot load another");
  const nlohmann::json j = Json("plan --json --config " + inner + " --max-model-len 8192");
  EXPECT_EQ(j["inputs"]["enforce_eager"], true);
  EXPECT_EQ(Json("plan --json --config " + inner + " --max-model-len 8192 --no-enforce-eager")["inputs"]
                ["enforce_eager"],
            false);  // the command line wins over the file, flag by flag
  std::ofstream(inner) << "enforce-eager = maybe\n";
  ExpectRefused("plan --config " + inner, "--config " + inner + ": argument --enforce-eager: invalid bool value");
}

TEST(FlagsCliTest, PlanCsvIsOneRowPerRankWithTheJsonNumbers) {
  const std::string flags = " --tp 4 --max-model-len 16384";
  const CliRun csv = Tpsim("plan --format csv" + flags);
  ASSERT_EQ(csv.rc, 0) << csv.err;
  const nlohmann::json j = Json("plan --json" + flags);
  const auto rows = tpsim::testing::ParseCsv(csv.out);
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("rank"), std::to_string(i));
    EXPECT_EQ(rows[i].at("model"), "Qwen/Qwen3-32B-AWQ");
    EXPECT_EQ(rows[i].at("outcome"), j["outcome"]);
    EXPECT_EQ(std::stoll(rows[i].at("num_blocks")), j["kv_cache"]["num_blocks"].get<std::int64_t>());
    for (const char* k : {"weights_gib", "kv_cache_gib", "final_used_gib", "activation_peak_gib"}) {
      EXPECT_DOUBLE_EQ(std::stod(rows[i].at(k)), j["ranks"][i][k].get<double>()) << k;
    }
  }
  // A verdict is a row too: tp 1 cannot hold a 32,768-token request.
  const auto fail = tpsim::testing::ParseCsv(Tpsim("plan --format csv --max-model-len 32768").out);
  ASSERT_EQ(fail.size(), 1u);
  EXPECT_EQ(fail[0].at("outcome"), "error");
  EXPECT_EQ(fail[0].at("error_kind"), "kv_cache_too_small");
}

TEST(FlagsCliTest, ScaleCsvIsOneRowPerSizeAndCategory) {
  const CliRun csv = Tpsim("scale --format csv --max-model-len 8192");
  ASSERT_EQ(csv.rc, 0) << csv.err;
  const nlohmann::json j = Json("scale --json --max-model-len 8192");
  const auto rows = tpsim::testing::ParseCsv(csv.out);
  ASSERT_EQ(rows.size(), 3u * 8u);  // tp 1, 2, 4 x eight categories
  EXPECT_EQ(rows[0].at("tensor_parallel_size"), "1");
  EXPECT_EQ(rows[23].at("tensor_parallel_size"), "4");
  for (const auto& row : rows) {
    if (row.at("category") != "weights") continue;
    const int size_index = row.at("tensor_parallel_size") == "1" ? 0 : row.at("tensor_parallel_size") == "2" ? 1 : 2;
    EXPECT_DOUBLE_EQ(std::stod(row.at("per_card_gib")),
                     j["sizes"][size_index]["ranks"][0]["weights_gib"].get<double>());
    EXPECT_NEAR(std::stod(row.at("fit_b_gib")), j["fit"]["weights"]["b_gib"].get<double>(), 1e-4);
    EXPECT_EQ(row.at("grows_with_n"), "0");
  }
}

TEST(FlagsCliTest, FormatIsRefusedWhereItCannotBeHonoured) {
  for (const char* cmd : {"tune", "shard", "compare", "measure"}) {
    ExpectRefused(std::string(cmd) + " --format csv", "--format must be text or json, got 'csv'");
  }
  ExpectRefused("plan --format yaml", "--format must be text, json or csv, got 'yaml'");
  ExpectRefused("plan --json --format csv", "--json and --format csv disagree");
  ExpectRefused("sweep --grid tp=1 --format json", "--format must be jsonl or csv, got 'json'");
}

TEST(FlagsCliTest, TimelineNeedsADirectoryAndACommandThatWritesOne) {
  ExpectRefused("plan --timeline ''", "--timeline needs a directory");
  ExpectRefused("measure --timeline ''", "--timeline needs a directory");
  const std::string dir = tpsim::testing::TempPath("no_timeline");
  std::filesystem::remove_all(dir);
  for (const char* cmd : {"tune", "shard", "sweep --grid tp=1", "topo --gpu rtx4090 --num-gpus 2"}) {
    ExpectRefused(std::string(cmd) + " --timeline " + dir, "--timeline");
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// Every command refuses what plan refuses and accepts what plan accepts.
TEST(FlagsCliTest, EveryCommandTakesTheReleasesPlanTakes) {
  const std::string refusal = "unsupported --vllm-version 0.5.0 (tpsim models vLLM 0.6.5 to 0.x)";
  for (const char* cmd : {"plan", "scale", "compare", "tune", "shard", "measure", "sweep --grid tp=1,2"}) {
    ExpectRefused(std::string(cmd) + " --vllm-version 0.5.0", refusal);
  }
  ExpectRefused("sweep --grid vllm_version=0.19.0,0.5.0", refusal);
  for (const char* cmd : {"plan --json", "tune --json", "compare --json", "shard --json"}) {
    const CliRun r = Tpsim(std::string(cmd) + " --vllm-version 0.21.0 --max-model-len 8192");
    EXPECT_EQ(r.rc, 0) << cmd << ": " << r.err;
  }
  const CliRun sweep = Tpsim("sweep --grid vllm_version=0.6.5,0.21.0 --max-model-len 8192");
  EXPECT_EQ(sweep.rc, 0) << sweep.err;
  EXPECT_EQ(sweep.out.find("\"invalid\""), std::string::npos) << sweep.out;
}

TEST(FlagsCliTest, CountsAndByteSizesMeanTheSameInPlanAndSweep) {
  const nlohmann::json k = Json("plan --json --max-model-len 32k");
  EXPECT_EQ(k["inputs"]["max_model_len"], 32000);
  EXPECT_EQ(Json("plan --json --max-model-len 8K")["inputs"]["max_model_len"], 8192);
  EXPECT_EQ(Json("plan --json --max-model-len 8192 --max-num-batched-tokens 4k")["inputs"]["max_num_batched_tokens"],
            4000);
  ExpectRefused("plan --max-model-len 1.5K", "Decimals are not allowed with binary suffixes like K");
  const std::string common = " --tp 2 --max-model-len 8192";
  const nlohmann::json g = Json("plan --json --kv-cache-memory 8g" + common);
  EXPECT_EQ(g["inputs"]["kv_cache_memory_bytes"], 8000000000LL);
  EXPECT_EQ(Json("plan --json --kv-cache-memory 8G" + common)["inputs"]["kv_cache_memory_bytes"], 8LL << 30);
  EXPECT_EQ(Json("plan --json --kv-cache-memory 8GiB" + common)["inputs"]["kv_cache_memory_bytes"], 8LL << 30);
  const CliRun sweep = Tpsim("sweep --grid \"kv_cache_memory=8g,8G\"" + common);
  ASSERT_EQ(sweep.rc, 0) << sweep.err;
  const std::string first = sweep.out.substr(0, sweep.out.find('\n'));
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(first)["kv_cache_gib"].get<double>(), g["ranks"][0]["kv_cache_gib"].get<double>());
}

TEST(FlagsCliTest, VllmsShortTpAndFlagsThatWouldBeIgnoredAreRefused) {
  EXPECT_EQ(Json("plan --json -tp 2 --max-model-len 8192")["inputs"]["tensor_parallel_size"], 2);
  EXPECT_EQ(Json("plan --json -tp=4 --max-model-len 8192")["inputs"]["tensor_parallel_size"], 4);
  ExpectRefused("scale --tp 2", "give the sizes with --tp-list");
  ExpectRefused("compare -- vllm serve Qwen/Qwen3-32B-AWQ -tp 2", "give the sizes with --tp-list");
  ExpectRefused("sweep --tp 2 --grid tp=1,4", "--tensor-parallel-size is also a grid key");
  ExpectRefused("sweep --gpu-memory-utilization 1.5 --grid tp=1,2", "GPU memory utilization must be within");
}

}  // namespace
