#include "sim/report/plan_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "sim/engine/kv_cache.h"
#include "sim/report/table_writer.h"

namespace tpsim {

double JsonGiB(Bytes b) { return std::round(ToGiB(b) * 10000.0) / 10000.0; }

nlohmann::json InputsToJson(const ResolvedConfig& c) {
  nlohmann::json j;
  j["model"] = c.model.name;
  j["gpu"] = c.gpu.key;
  j["gpu_total_gib"] = JsonGiB(c.gpu.total_memory_bytes);
  j["topology"] = c.topology.name;
  j["tensor_parallel_size"] = c.tp;
  j["vllm_version"] = ToString(c.version);
  j["vllm_era"] = VllmEraName(c.era);
  j["usage_context"] = c.args.usage_context;
  j["gpu_memory_utilization"] = c.gpu_memory_utilization;
  j["max_model_len"] = c.max_model_len;
  j["max_num_seqs"] = c.max_num_seqs;
  j["max_num_batched_tokens"] = c.max_num_batched_tokens;
  j["enable_chunked_prefill"] = c.chunked_prefill;
  j["enforce_eager"] = c.enforce_eager;
  j["quantization"] = c.linear == LinearMethod::kUnquantized ? nlohmann::json(nullptr)
                                                             : nlohmann::json(LinearMethodName(c.linear));
  j["dtype"] = DTypeName(c.dtype);
  j["kv_cache_dtype"] = c.args.kv_cache_dtype == "auto" ? "auto" : std::string(DTypeName(c.kv_dtype));
  j["block_size"] = c.block_size;
  j["disable_custom_all_reduce"] = c.args.disable_custom_all_reduce;
  j["kv_cache_memory_bytes"] =
      c.args.kv_cache_memory ? nlohmann::json(*c.args.kv_cache_memory) : nlohmann::json(nullptr);
  j["cudagraph_capture_sizes"] = c.capture_sizes;
  j["cudagraph_full_capture_sizes"] = c.full_capture_sizes;
  j["estimate_cudagraphs"] = c.subtract_cudagraph_estimate;
  return j;
}

nlohmann::json PlanToJson(const PlanResult& r) {
  nlohmann::json j;
  j["schema"] = "tpsim.plan/1";
  j["inputs"] = InputsToJson(r.cfg);
  j["outcome"] = r.ok ? "ok" : "error";
  if (r.ok) {
    j["error"] = nullptr;
  } else {
    j["error"] = {{"kind", r.error_kind}, {"message", r.error_message}, {"rank", r.error_rank}};
  }
  j["kv_cache"] = {{"num_blocks", r.num_blocks},
                   {"block_size", r.cfg.block_size},
                   {"tokens", r.kv_tokens},
                   {"max_concurrency", std::round(r.max_concurrency * 100.0) / 100.0},
                   {"page_bytes_per_layer", r.page_bytes_per_layer},
                   {"available_gib", JsonGiB(r.available_kv)}};
  nlohmann::json ranks = nlohmann::json::array();
  for (const RankReport& k : r.ranks) {
    ranks.push_back({{"rank", k.rank},
                     {"gpu", k.gpu},
                     {"total_gib", JsonGiB(k.total)},
                     {"requested_gib", JsonGiB(k.requested)},
                     {"cuda_context_gib", JsonGiB(k.cuda_context)},
                     {"nccl_gib", JsonGiB(k.nccl)},
                     {"custom_allreduce_gib", JsonGiB(k.custom_allreduce)},
                     {"runner_buffers_gib", JsonGiB(k.runner_buffers)},
                     {"weights_gib", JsonGiB(k.weights)},
                     {"activation_peak_gib", JsonGiB(k.activation_peak)},
                     {"non_torch_gib", JsonGiB(k.non_torch)},
                     {"available_kv_gib", JsonGiB(k.available_kv)},
                     {"kv_cache_gib", JsonGiB(k.kv_cache)},
                     {"cudagraph_estimate_gib", JsonGiB(k.cudagraph_estimate)},
                     {"cudagraph_gib", JsonGiB(k.cudagraph)},
                     {"peak_used_gib", JsonGiB(k.peak_used)},
                     {"final_used_gib", JsonGiB(k.final_used)},
                     {"transport", k.transport},
                     {"custom_allreduce", k.custom_allreduce_on},
                     {"error", k.error_kind == ErrorKind::kNone ? nlohmann::json(nullptr)
                                                    : nlohmann::json(k.error_kind)}});
  }
  j["ranks"] = ranks;
  return j;
}

namespace {

std::string G(Bytes b) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", ToGiB(b));
  return buf;
}

}  // namespace

std::string RenderPlanText(const PlanResult& r) {
  const ResolvedConfig& c = r.cfg;
  std::ostringstream out;
  out << "# tpsim plan | model " << c.model.name << " (" << DTypeName(c.dtype)
      << (c.linear == LinearMethod::kUnquantized ? "" : ", " + std::string(LinearMethodName(c.linear)))
      << ") | " << c.tp << "x " << c.gpu.key << " (" << G(c.gpu.total_memory_bytes) << " GiB) | vLLM "
      << ToString(c.version) << " " << r.policy << "\n";
  out << "# gpu-memory-utilization " << c.gpu_memory_utilization << " | max-model-len "
      << c.max_model_len << " | max-num-seqs " << c.max_num_seqs << " | max-num-batched-tokens "
      << c.max_num_batched_tokens << " | block-size " << c.block_size << " | "
      << (c.enforce_eager ? "enforce-eager" : std::to_string(c.capture_sizes.size() +
                                                            c.full_capture_sizes.size()) +
                                                  " CUDA graphs")
      << " | topology " << c.topology.name << "\n";
  TableWriter t({"rank", "total", "budget", "context", "nccl", "weights", "activ", "non-torch",
                 "kv_cache", "graphs", "peak", "final"});
  t.AddUnits({"", "(GiB)", "(GiB)", "(GiB)", "(GiB)", "(GiB)", "(GiB)", "(GiB)", "(GiB)", "(GiB)",
              "(GiB)", "(GiB)"});
  for (const RankReport& k : r.ranks) {
    t.AddRow({std::to_string(k.rank), G(k.total), G(k.requested), G(k.cuda_context),
              G(k.nccl + k.custom_allreduce), G(k.weights), G(k.activation_peak), G(k.non_torch),
              G(k.kv_cache), G(k.cudagraph), G(k.peak_used), G(k.final_used)});
  }
  out << t.Render();
  if (!r.ranks.empty()) {
    const RankReport& k = r.ranks.front();
    out << "# Model loading took " << FormatGiB(k.weights, 4) << " (rank 0)";
    out << " | Available KV cache memory: " << FormatGiB(r.available_kv, 2) << " (minimum over ranks)\n";
  }
  if (!r.ranks.empty() && c.tp > 1) {
    const RankReport& k = r.ranks.front();
    out << "# NCCL transport " << k.transport << " | custom all-reduce "
        << (k.custom_allreduce_on ? "on" : "off: " + k.custom_allreduce_note) << "\n";
  }
  if (r.ok) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), "%.2fx", r.max_concurrency);
    out << "# GPU KV cache size: " << FormatThousands(r.kv_tokens) << " tokens | Maximum concurrency for "
        << FormatThousands(c.max_model_len) << " tokens per request: " << buf << "\n";
    out << "# verdict: vLLM starts"
        << (c.tp == 1 ? std::string(" on the card") : " on all " + std::to_string(c.tp) + " cards")
        << "\n";
  } else {
    out << "# verdict: vLLM would fail (" << ErrorKindName(r.error_kind) << ", rank " << r.error_rank << "): "
        << r.error_message << "\n";
  }
  return out.str();
}

}  // namespace tpsim
