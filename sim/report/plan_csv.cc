#include "sim/report/plan_csv.h"

#include <array>
#include <string_view>
#include <vector>

#include "sim/report/csv_writer.h"
#include "sim/report/plan_report.h"

namespace tpsim {

namespace {

// Columns read from the rank objects of PlanToJson, in this order; "error" is written rank_error.
constexpr std::array<std::string_view, 20> kRankColumns = {
    "rank", "gpu", "total_gib", "requested_gib", "cuda_context_gib", "nccl_gib", "custom_allreduce_gib",
    "runner_buffers_gib", "weights_gib", "activation_peak_gib", "non_torch_gib", "available_kv_gib",
    "kv_cache_gib", "cudagraph_estimate_gib", "cudagraph_gib", "peak_used_gib", "final_used_gib",
    "transport", "custom_allreduce", "error"};

constexpr std::array<std::string_view, 9> kDeploymentColumns = {
    "model", "tensor_parallel_size", "vllm_version", "max_model_len", "outcome", "error_kind",
    "num_blocks", "kv_tokens", "max_concurrency"};

}  // namespace

std::string PlanCsvHeader() {
  std::vector<std::string> cells(kDeploymentColumns.begin(), kDeploymentColumns.end());
  for (std::string_view c : kRankColumns) cells.emplace_back(c == "error" ? "rank_error" : c);
  std::string line = CsvLine(cells);
  line.pop_back();
  return line;
}

std::string PlanToCsv(const PlanResult& r) {
  const nlohmann::json j = PlanToJson(r);
  const nlohmann::json& in = j["inputs"];
  const nlohmann::json& kv = j["kv_cache"];
  const std::vector<std::string> deployment = {
      CsvCell(in["model"]),         CsvCell(in["tensor_parallel_size"]), CsvCell(in["vllm_version"]),
      CsvCell(in["max_model_len"]), CsvCell(j["outcome"]),
      j["error"].is_null() ? std::string() : CsvCell(j["error"]["kind"]),
      CsvCell(kv["num_blocks"]),    CsvCell(kv["tokens"]),               CsvCell(kv["max_concurrency"])};
  std::string out = PlanCsvHeader() + "\n";
  for (const nlohmann::json& rank : j["ranks"]) {
    std::vector<std::string> cells = deployment;
    for (std::string_view c : kRankColumns) cells.push_back(CsvCell(rank.value(std::string(c), nlohmann::json())));
    out += CsvLine(cells);
  }
  return out;
}

}  // namespace tpsim
