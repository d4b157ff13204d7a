// tpsim tune: the inverse questions for a target context and concurrency (sim/tune/tune.h), rendered
// as text or as one JSON object (schema "tpsim.tune/1"). The answers and their checks come from
// Tune(); this file only renders them.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sim/base/units.h"
#include "sim/model/model_config.h"
#include "sim/report/table_writer.h"
#include "sim/tune/tune.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"

namespace tpsim::cli {

namespace {

// "tp 2" for sizes, the value alone otherwise.
std::string Named(const TuneAnswer& a, const std::string& value) {
  return a.question == "min_tensor_parallel_size" ? "tp " + value : value;
}

std::string Why(const TuneCheck& c) {
  if (c.outcome == "ok") {
    return FormatThousands(c.num_blocks) + (c.serves ? " >= " : " < ") +
           FormatThousands(c.blocks_needed) + " KV blocks needed";
  }
  return std::string(ErrorKindName(c.error_kind));
}

// "0.87 serves it; 0.86 does not (kv_cache_too_small)".
std::string Statement(const TuneAnswer& a) {
  if (!a.found) return "no answer: " + a.reason;
  std::string s = Named(a, a.at.value) + " serves it (" + Why(a.at) + "); ";
  if (!a.beyond.ran) return s + Named(a, a.beyond.value) + " not tried: " + a.beyond.why_not_run;
  s += Named(a, a.beyond.value) + (a.beyond.serves ? " serves it too" : " does not");
  return s + " (" + Why(a.beyond) + ")";
}

nlohmann::json CheckJson(const TuneCheck& c) {
  nlohmann::json j = {{"value", c.value}, {"ran", c.ran}};
  if (!c.ran) {
    j["why_not_run"] = c.why_not_run;
    return j;
  }
  j["serves"] = c.serves;
  j["outcome"] = c.outcome;
  j["error"] = c.error_kind == ErrorKind::kNone
                   ? nlohmann::json(nullptr)
                   : nlohmann::json({{"kind", c.error_kind}, {"message", c.error_message}});
  j["num_blocks"] = c.num_blocks;
  j["blocks_needed"] = c.blocks_needed;
  j["concurrency_at_target"] = c.concurrency_at_target;
  j["final_used_gib"] = c.final_used_gib;
  return j;
}

nlohmann::json AnswerJson(const TuneAnswer& a) {
  nlohmann::json j = {{"found", a.found},
                      {"value", a.found ? nlohmann::json(a.value) : nlohmann::json(nullptr)},
                      {"statement", Statement(a)},
                      {"reason", a.reason},
                      {"at", CheckJson(a.at)}};
  j["beyond"] = a.found ? CheckJson(a.beyond) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json ResultJson(const TuneResult& r) {
  nlohmann::json j;
  j["schema"] = "tpsim.tune/1";
  j["inputs"] = {{"model", r.model},
                 {"gpu", r.gpu},
                 {"tensor_parallel_size", r.tp},
                 {"vllm_version", r.vllm_version},
                 {"gpu_memory_utilization", r.gpu_memory_utilization},
                 {"block_size", r.block_size},
                 {"max_position_embeddings", r.max_position_embeddings}};
  j["target"] = {{"context", r.target.context}, {"concurrency", r.target.concurrency}};
  j["answers"] = {{"min_gpu_memory_utilization", AnswerJson(r.min_utilization)},
                  {"max_model_len", AnswerJson(r.max_model_len)},
                  {"max_concurrency", AnswerJson(r.max_concurrency)},
                  {"min_tensor_parallel_size", AnswerJson(r.min_tp)}};
  j["forward_runs"] = r.forward_runs;
  return j;
}

std::string RenderText(const TuneResult& r) {
  char u[16];
  std::snprintf(u, sizeof(u), "%.2f", r.gpu_memory_utilization);
  const std::string ctx = FormatThousands(r.target.context);
  const std::string conc = std::to_string(r.target.concurrency);
  std::string out = "# tpsim tune | " + r.model + " | " + std::to_string(r.tp) + " x " + r.gpu +
                    " | vLLM " + r.vllm_version + " | gpu-memory-utilization " + u + "\n";
  out += "# target: " + conc + " concurrent request(s) of " + ctx + " tokens; \"serves\" = vLLM starts " +
         "and its KV cache holds " + conc + " x ceil(" + std::to_string(r.target.context) + " / " +
         std::to_string(r.block_size) + ") blocks\n";
  TableWriter t({"question", "answer", "checked by the forward simulation"});
  t.AddRow({"smallest gpu_memory_utilization (tp " + std::to_string(r.tp) + ")",
            r.min_utilization.found ? r.min_utilization.value_text : "-", Statement(r.min_utilization)});
  t.AddRow({"longest max_model_len at " + conc + " request(s)",
            r.max_model_len.found ? FormatThousands(static_cast<std::int64_t>(r.max_model_len.value)) : "-",
            Statement(r.max_model_len)});
  t.AddRow({"largest concurrency at " + ctx + " tokens",
            r.max_concurrency.found ? r.max_concurrency.value_text : "-", Statement(r.max_concurrency)});
  t.AddRow({"smallest tensor-parallel size (1, 2, 4, 8)", r.min_tp.found ? r.min_tp.value_text : "-",
            Statement(r.min_tp)});
  out += t.Render();
  for (const TuneAnswer* a : {&r.min_utilization, &r.max_model_len, &r.max_concurrency, &r.min_tp}) {
    if (a->found && !a->reason.empty()) out += "# " + a->question + ": " + a->reason + "\n";
  }
  out += "# " + std::to_string(r.forward_runs) + " forward simulations\n";
  return out;
}

}  // namespace

int RunTune(const Args& args) {
  po::options_description desc("tpsim tune [engine flags] --target-context L --target-concurrency C");
  CommandOptions opts;  // text or json; tune writes no timeline
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, opts.output);
  desc.add_options()("target-context", po::value<std::int64_t>(),
                     "tokens per request (default: --max-model-len, else the model's limit)")(
      "target-concurrency", po::value<std::int64_t>()->default_value(1),
      "concurrent requests of that length");
  ParsedCommand pc = ParseCommand("tune", args, desc, opts);
  if (pc.exit_code >= 0) return pc.exit_code;
  const po::variables_map& vm = pc.vm;
  const EngineArgs* ea = &pc.engine;
  const OutputFlags& out = pc.out;
  // Tune runs every simulation in this process. Under mpirun every rank does the same work, so that
  // they end together (no rank waits past the deadline at the last barrier); only rank 0 prints
  // (process_guard.h).
  const std::string& configs = pc.configs_dir;
  StatusOr<ModelConfig> model = LoadModelConfig(ea->model, configs);
  if (!model.ok()) return ReportError("tune", model.status());
  StatusOr<GpuSpec> gpu = LoadGpuSpec(ea->gpu, configs);
  if (!gpu.ok()) return ReportError("tune", gpu.status());
  TuneTarget target;
  target.context = vm.count("target-context") ? vm["target-context"].as<std::int64_t>()
                                              : ea->max_model_len.value_or(model->max_position_embeddings);
  target.concurrency = vm["target-concurrency"].as<std::int64_t>();
  StatusOr<TuneResult> r = Tune(*ea, *model, *gpu, configs, target);
  if (!r.ok()) return ReportError("tune", r.status());
  if (out.format == "json") {
    std::cout << ResultJson(*r).dump(2) << "\n";
  } else {
    std::cout << RenderText(*r);
  }
  return 0;
}

}  // namespace tpsim::cli
