// End-to-end tests of `tpsim tune` and `tpsim sweep`: output formats, the tune JSON schema, exit codes
// and one-line errors, presets with findings, and no progress bar when stderr is not a terminal.
#include <gtest/gtest.h>

#include "tests/testing/cli_run.h"
#include "tests/testing/temp_path.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/model/model_config.h"

namespace {

using tpsim::testing::CliRun;

using tpsim::testing::Tpsim;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(SweepCliTest, JsonLinesInGridOrder) {
  CliRun r = Tpsim("sweep --grid \"tp=1,2,4 max-model-len=8192,32768\"");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar: stderr is not a terminal
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 6u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["index"], i);
    EXPECT_EQ(j["tp"], i < 2 ? 1 : i < 4 ? 2 : 4);
    EXPECT_EQ(j["max_model_len"], i % 2 == 0 ? 8192 : 32768);
    for (const char* k : {"outcome", "error_kind", "weights_gib", "activation_gib", "non_torch_gib",
                          "kv_cache_gib", "kv_tokens", "max_concurrency", "final_used_gib"}) {
      EXPECT_TRUE(j.contains(k)) << k;
    }
  }
  // Qwen3-32B-AWQ at tp 1 cannot hold a 32,768-token request.
  EXPECT_EQ(nlohmann::json::parse(lines[1])["error_kind"], "kv_cache_too_small");
}

TEST(SweepCliTest, CsvHasAHeaderRow) {
  CliRun r = Tpsim("sweep --format csv --jobs 2 --grid \"tp=2,4 enforce_eager=0,1\" --max-model-len 8192");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("index,model,gpu,tp,", 0), 0u);
  EXPECT_EQ(lines[1].rfind("0,Qwen/Qwen3-32B-AWQ,rtx4090,2,", 0), 0u);
  EXPECT_EQ(lines[4].rfind("3,Qwen/Qwen3-32B-AWQ,rtx4090,4,", 0), 0u);
}

TEST(SweepCliTest, BadInputIsOneLineAndExitTwo) {
  for (const char* args : {"sweep --grid \"colour=red\"", "sweep --grid \"tp=1,x\"",
                           "sweep --grid \"enforce_eager=maybe\"", "sweep --preset no-such-study",
                           "sweep", "sweep --grid tp=1 --format xml",
                           "sweep --grid \"model=Nobody/Nothing-1B\""}) {
    CliRun r = Tpsim(args);
    EXPECT_EQ(r.rc, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("tpsim sweep: ", 0), 0u) << r.err;
  }
  EXPECT_NE(Tpsim("sweep --grid \"model=Nobody/Nothing-1B\"").err.find("model not bundled"),
            std::string::npos);
}

TEST(SweepCliTest, PresetPrintsFindingsComputedFromItsRows) {
  const std::string path = tpsim::testing::TempPath("small-study.ini");
  std::ofstream(path) << "# a small study\nfindings = seed-study\n"
                         "grid = tp=1,2,4 gpu_memory_utilization=0.8,0.85,0.9\n"
                         "grid = max_model_len=8192,16384 max_num_batched_tokens=2048,4096 enforce_eager=0,1\n";
  CliRun rows = Tpsim("sweep --preset " + path);
  ASSERT_EQ(rows.rc, 0) << rows.err;
  const auto lines = Lines(rows.out);
  ASSERT_EQ(lines.size(), 72u + 1);
  const auto findings = nlohmann::json::parse(lines.back());
  EXPECT_EQ(findings["schema"], "tpsim.findings/1");
  EXPECT_EQ(findings["findings"].size(), 6u);
  EXPECT_TRUE(findings["findings"][2]["supported"].get<bool>());
  EXPECT_GT(findings["findings"][2]["numbers"]["slope_gib_per_unit"].get<double>(), 20.0);

  CliRun text = Tpsim("sweep --findings-only --preset " + path);
  ASSERT_EQ(text.rc, 0) << text.err;
  EXPECT_EQ(text.out.rfind("# FINDINGS (small-study.", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("max_num_batched_tokens 2048 -> 4096"), std::string::npos);
  EXPECT_NE(text.out.find("enforce_eager saves"), std::string::npos);
}

TEST(SweepCliTest, SeedStudyRunsOrSaysWhichModelIsNotBundled) {
  CliRun r = Tpsim("sweep --preset seed-study --findings-only");
  const bool have_14b =
      std::filesystem::exists(tpsim::DefaultConfigsDir() + "/models/Qwen/Qwen3-14B-AWQ/config.json");
  if (have_14b) {
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("# FINDINGS (seed-study: 768 runs"), std::string::npos);
  } else {
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("model not bundled: Qwen/Qwen3-14B-AWQ"), std::string::npos) << r.err;
  }
}

TEST(TuneCliTest, JsonSchemaAndVerifiedStatements) {
  CliRun r = Tpsim("tune --json --tp 4 --target-context 32768 --target-concurrency 4");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "tpsim.tune/1");
  EXPECT_EQ(j["target"]["context"], 32768);
  EXPECT_EQ(j["target"]["concurrency"], 4);
  for (const char* q : {"min_gpu_memory_utilization", "max_model_len", "max_concurrency",
                        "min_tensor_parallel_size"}) {
    const auto& a = j["answers"][q];
    ASSERT_TRUE(a["found"].get<bool>()) << q;
    EXPECT_TRUE(a["at"]["serves"].get<bool>()) << q;
    EXPECT_NE(a["statement"].get<std::string>().find(" serves it ("), std::string::npos) << q;
  }
  const auto& u = j["answers"]["min_gpu_memory_utilization"];
  EXPECT_FALSE(u["beyond"]["serves"].get<bool>());
  EXPECT_NE(u["statement"].get<std::string>().find(" does not ("), std::string::npos);
  EXPECT_GT(j["forward_runs"].get<int>(), 5);
}

TEST(TuneCliTest, TextAndErrors) {
  CliRun r = Tpsim("tune --target-context 16384 --target-concurrency 2");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# tpsim tune | Qwen/Qwen3-32B-AWQ | 1 x rtx4090", 0), 0u);
  EXPECT_NE(r.out.find("smallest tensor-parallel size"), std::string::npos);
  EXPECT_NE(r.out.find("tp 2 serves it"), std::string::npos);
  for (const char* args : {"tune --target-context 0", "tune --target-context 100000",
                           "tune --target-concurrency -1 --target-context 8192", "tune --gpu nope"}) {
    CliRun bad = Tpsim(args);
    EXPECT_EQ(bad.rc, 2) << args;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << args << ": " << bad.err;
  }
}

}  // namespace
