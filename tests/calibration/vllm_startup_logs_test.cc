// Calibration: every row of ../shared/calibration/vllm_startup_logs.csv is run through the planner with
// the row's flags; weights must be within 0.5%, "Available KV cache memory" and the KV tokens within 3%,
// and the start-up outcome right. A row not yet reproduced stays here as an expected failure with its
// reason (kExpectedFailures), never deleted; if it starts passing the test says so.
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
};

std::string ModelKey(const std::string& csv_model) {
  if (csv_model.rfind("Qwen2.5-32B-Instruct", 0) == 0) return "Qwen/Qwen2.5-32B-Instruct";
  return csv_model;
}

std::string GpuKey(const std::string& csv_gpu) {
  static const std::map<std::string, std::string> kMap = {
      {"L40S", "l40s"},           {"RTX A5000 24GB", "rtxa5000"},
      {"A100 80GB", "a100-80g"},  {"RTX 2080 Ti 22GB (modded)", "rtx2080ti-22g"},
      {"H100 80GB", "h100-sxm"},
  };
  auto it = kMap.find(csv_gpu);
  return it == kMap.end() ? "" : it->second;
}

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
  a.vllm_version = row.at("vllm_version");
  a.gpu_memory_utilization = Num(row, "gpu_memory_utilization");
  a.max_model_len = static_cast<std::int64_t>(Num(row, "max_model_len"));
  if (Has(row, "max_num_seqs")) a.max_num_seqs = static_cast<std::int64_t>(Num(row, "max_num_seqs"));
  if (Has(row, "max_num_batched_tokens")) {
    a.max_num_batched_tokens = static_cast<std::int64_t>(Num(row, "max_num_batched_tokens"));
  }
  a.enforce_eager = row.at("enforce_eager") == "True";
  if (Has(row, "block_size")) a.block_size = static_cast<int>(Num(row, "block_size"));
  if (Has(row, "quantization")) a.quantization = row.at("quantization");
  if (Has(row, "dtype")) a.dtype = row.at("dtype");
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

TEST(CalibrationTest, VllmStartupLogs) {
  std::ifstream f(std::string(TPSIM_SHARED_DIR) + "/calibration/vllm_startup_logs.csv");
  if (!f) {
    // The shared folder sits beside the checkout on every machine (DESIGN); its absence is a setup error.
    FAIL() << "cannot read " << TPSIM_SHARED_DIR << "/calibration/vllm_startup_logs.csv";
  }
  std::stringstream ss;
  ss << f.rdbuf();
  const auto rows = testing::ParseCsv(ss.str());
  ASSERT_GE(rows.size(), 5u);
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
