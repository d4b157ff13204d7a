// Calibration: every row of ../shared/calibration/vllm_startup_logs.csv and
// ../shared/calibration/vllm_startup_logs_round2.csv is run through the planner with the row's flags;
// weights must be within 0.5%, "Available KV cache memory" and the KV tokens within 3%, and the start-up
// outcome right. A row not yet reproduced (or that needs a capability tpsim does not have yet) stays
// here as an expected failure with its reason (kExpectedFailures), never deleted; if it starts passing
// the test says so.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "tests/testing/csv.h"

namespace tpsim {
namespace {

// case_id -> why the row is not reproduced yet. (C038/C039, tp 2/4 on H100 with vLLM 0.19, are
// reproduced within 3% but keep about 1 GiB of non-torch increase that no mechanism explains yet:
// shared/README.md open question 1.)
const std::map<std::string, std::string> kExpectedFailures = {
    {"C022",
     "vLLM 0.10.1 on A100 at utilization 0.25: the log leaves 0.55 GiB for activation + non-torch, "
     "tpsim 0.77 (sampler at 256 rows through FlashInfer, 0.51 GiB); the run's max_num_seqs and "
     "sampler path are not in the log. The same 0.22 GiB is within 3% at utilization 0.5 (C023)"},
    // Round 2 (vllm_startup_logs_round2.csv): rows for capabilities of the second stage.
    {"C009", "vLLM 0.6.x (release not printed in the log) and Meta-Llama-3-8B, which is not bundled; "
             "releases before 0.6.5 are not modelled yet (issue 16)"},
    {"C019", "vLLM 0.6.3.post1 on H20: releases before 0.6.5 are not modelled yet (issue 16)"},
    {"C035", "Qwen3-235B-A22B-FP8 is a mixture of experts (Qwen3MoeForCausalLM), not modelled yet "
             "(issue 14); the log does not print its release (vLLM issue 21348 was filed in July 2025)"},
    {"C049", "pipeline parallelism (tp 1 x pp 2) is not modelled yet (issue 15)"},
    {"R2-012", "vLLM 0.27.1 on A10G: releases past the newest modelled era and the a10g card are not "
               "modelled yet (issue 16)"},
    {"R2-020", "vLLM 0.28.0 on L4: releases past the newest modelled era and the l4 card are not "
               "modelled yet (issue 16)"},
    {"R2-022", "vLLM 0.28.0 on L4 with Qwen2.5-14B-Instruct: the release, the l4 card and the model "
               "(not bundled) are not modelled yet (issue 16)"},
};

// The calibration files, in the order their rows are run.
const char* const kCalibrationFiles[] = {"vllm_startup_logs.csv", "vllm_startup_logs_round2.csv"};

std::string ModelKey(const std::string& csv_model) {
  if (csv_model.rfind("Qwen2.5-32B-Instruct", 0) == 0) return "Qwen/Qwen2.5-32B-Instruct";
  if (csv_model.rfind("Qwen3-235B-A22B-FP8", 0) == 0) return "Qwen/Qwen3-235B-A22B-FP8";
  return csv_model;
}

// The card of a row: the CSV names it as the log's author did ("H100 80GB", "NVIDIA L4 24GB (torch
// total capacity ...)"); the longest matching prefix wins. "" when tpsim has no such card.
std::string GpuKey(const std::string& csv_gpu) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"L40S", "l40s"},           {"RTX A5000 24GB", "rtxa5000"},
      {"A100 80GB", "a100-80g"},  {"RTX 2080 Ti 22GB (modded)", "rtx2080ti-22g"},
      {"H100 80GB", "h100-sxm"},  {"H100", "h100-sxm"},
      {"A100 40GB", "a100-40g"},  {"H20", "h20"},
      {"NVIDIA A10G", "a10g"},    {"NVIDIA L4 ", "l4"},
  };
  std::string best, key;
  for (const auto& [prefix, k] : kPrefixes) {
    if (csv_gpu.rfind(prefix, 0) == 0 && std::string(prefix).size() > best.size()) {
      best = prefix;
      key = k;
    }
  }
  return key;
}

// The first word of a cell ("bfloat16 (auto)" -> "bfloat16", "0.27.1 (inferred: ...)" -> "0.27.1").
std::string FirstWord(const std::string& cell) { return cell.substr(0, cell.find(' ')); }

bool Has(const std::map<std::string, std::string>& row, const char* k) {
  auto it = row.find(k);
  return it != row.end() && !it->second.empty() && it->second != "None";
}

double Num(const std::map<std::string, std::string>& row, const char* k) { return std::stod(row.at(k)); }

struct RowResult {
  std::string id;
  std::string what;  // "" when reproduced
  std::string table_line;
};

RowResult RunRow(const std::map<std::string, std::string>& row) {
  RowResult out;
  out.id = row.at("case_id");
  EngineArgs a;
  a.model = ModelKey(row.at("model"));
  a.gpu = GpuKey(row.at("gpu"));
  if (Has(row, "gpu_total_gib")) a.gpu_memory_total_gib = Num(row, "gpu_total_gib");
  a.tensor_parallel_size = static_cast<int>(Num(row, "tp"));
  if (Has(row, "pp") && Num(row, "pp") > 1) {
    out.what = "pipeline-parallel size " + row.at("pp") + " cannot be expressed yet";
    return out;
  }
  if (!Has(row, "vllm_version")) {
    out.what = "the log does not print its vLLM release";
    return out;
  }
  a.vllm_version = FirstWord(row.at("vllm_version"));
  if (Has(row, "gpu_memory_utilization")) a.gpu_memory_utilization = Num(row, "gpu_memory_utilization");
  if (Has(row, "max_model_len")) a.max_model_len = static_cast<std::int64_t>(Num(row, "max_model_len"));
  if (Has(row, "max_num_seqs")) a.max_num_seqs = static_cast<std::int64_t>(Num(row, "max_num_seqs"));
  if (Has(row, "max_num_batched_tokens")) {
    a.max_num_batched_tokens = static_cast<std::int64_t>(Num(row, "max_num_batched_tokens"));
  }
  a.enforce_eager = row.count("enforce_eager") > 0 && row.at("enforce_eager") == "True";
  if (Has(row, "block_size")) a.block_size = static_cast<int>(Num(row, "block_size"));
  if (Has(row, "quantization")) a.quantization = row.at("quantization");
  if (Has(row, "dtype")) a.dtype = FirstWord(row.at("dtype"));
  auto cfg = ResolveEngineArgs(a, DefaultConfigsDir());
  if (!cfg.ok()) {
    out.what = "resolve: " + cfg.status().ToString();
    return out;
  }
  auto res = RunDeploymentInProcess(*cfg);
  if (!res.ok()) {
    out.what = "run: " + res.status().ToString();
    return out;
  }
  std::ostringstream line;
  auto check = [&](const char* name, double got, double want, double tol) {
    const double err = want != 0 ? (got - want) / want : got;
    char buf[160];
    std::snprintf(buf, sizeof(buf), " %s %.4g/%.4g (%+.2f%%)", name, got, want, 100 * err);
    line << buf;
    if (std::abs(err) > tol) out.what += std::string(name) + " off by " + std::to_string(100 * err) + "%; ";
  };
  const RankReport& r0 = res->ranks.front();
  if (Has(row, "weights_gib")) check("weights", ToGiB(r0.weights), Num(row, "weights_gib"), 0.005);
  if (Has(row, "kv_cache_gib")) check("kv_gib", ToGiB(r0.available_kv), Num(row, "kv_cache_gib"), 0.03);
  double tokens = 0;
  if (Has(row, "kv_tokens")) tokens = Num(row, "kv_tokens");
  else if (Has(row, "gpu_blocks")) tokens = Num(row, "gpu_blocks") * cfg->block_size;
  if (tokens > 0) check("tokens", static_cast<double>(res->num_blocks * cfg->block_size), tokens, 0.03);
  // The CSV's outcome column describes start-up; "OOM" rows note an OOM at inference after start-up.
  const bool want_ok = row.at("outcome") == "ok" || row.at("error_text").find("startup succeeded") != std::string::npos;
  line << " outcome " << (res->ok ? "ok" : ErrorKindName(res->error_kind));
  if (res->ok != want_ok) out.what += "outcome " + std::string(res->ok ? "ok" : ErrorKindName(res->error_kind)) + "; ";
  out.table_line = line.str();
  return out;
}

std::vector<std::map<std::string, std::string>> ReadRows(const std::string& file) {
  const std::string path = std::string(TPSIM_SHARED_DIR) + "/calibration/" + file;
  std::ifstream f(path);
  // The shared folder sits beside the checkout on every machine (DESIGN); its absence is a setup error.
  EXPECT_TRUE(f.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return testing::ParseCsv(ss.str());
}

TEST(CalibrationTest, VllmStartupLogs) {
  std::vector<std::map<std::string, std::string>> rows;
  for (const char* file : kCalibrationFiles) {
    auto part = ReadRows(file);
    ASSERT_GE(part.size(), 5u) << file;
    rows.insert(rows.end(), part.begin(), part.end());
  }
  for (const auto& [id, why] : kExpectedFailures) {
    bool found = false;
    for (const auto& row : rows) found = found || row.at("case_id") == id;
    EXPECT_TRUE(found) << "kExpectedFailures names " << id << ", which no calibration file holds";
  }
  std::printf("calibration error table (got/logged):\n");
  for (const auto& row : rows) {
    RowResult r = RunRow(row);
    const bool expected_fail = kExpectedFailures.count(r.id) > 0;
    std::printf("  %-5s %-4s%s%s\n", r.id.c_str(),
                r.what.empty() ? "ok" : (expected_fail ? "XFAIL" : "FAIL"), r.table_line.c_str(),
                r.what.empty() ? "" : ("  <- " + r.what).c_str());
    if (expected_fail) {
      EXPECT_FALSE(r.what.empty()) << r.id << " is now reproduced: remove it from kExpectedFailures";
    } else {
      EXPECT_TRUE(r.what.empty()) << r.id << ": " << r.what;
    }
  }
}

}  // namespace
}  // namespace tpsim
