#include "sim/engine/engine_flag_table.h"

#include <string>

#include "sim/engine/release_table.h"

namespace tpsim {

namespace {

using flags::AboveUpTo;
using flags::AtLeast;
using flags::Between;
using flags::BoolSyntax;
using flags::FlagOrigin;
using flags::FlagValue;
using flags::MemoryEffect;
using flags::OpenBetween;
using flags::PowerOfTwoBetween;
using flags::ValueRule;

// Upper bounds that keep every product of these (S x max_model_len, T x hidden bytes, capture
// lists) far inside int64 and the replay bounded; orders of magnitude above any real deployment.
constexpr double kMaxNumSeqs = 1 << 20;
constexpr double kMaxBatchedTokens = 1 << 26;

ValueRule Utilization() {
  ValueRule r = flags::RealRule(AboveUpTo(0, 1));
  // vLLM's CacheConfig check, in its words.
  r.range_message = [](const FlagValue& got) {
    return "GPU memory utilization must be within (0, 1]. Got " + std::to_string(std::get<double>(got)) + ".";
  };
  return r;
}

ValueRule SupportedRelease() {
  ValueRule r = flags::TextRule();
  r.check = [](const FlagValue& v) { return ParseSupportedVllmVersion(std::get<std::string>(v)).status(); };
  return r;
}

ValueRule Quantization() {
  ValueRule r = flags::ChoiceRule(
      {"awq", "awq_marlin", "marlin", "gptq", "gptq_marlin", "fp8", "compressed-tensors"});
  r.none_choice = "auto";  // the checkpoint's own method, as when the flag is not given
  r.choices_intro = "tpsim models: auto,";
  return r;
}

// A server flag of `vllm serve` with no memory effect: accepted in a pasted line, not stored.
EngineFlag ServerFlag(std::string_view name, ValueRule rule) {
  EngineFlag f;
  f.name = name;
  f.field = std::monostate{};
  f.rule = std::move(rule);
  f.help = "vllm serve server flag; no memory effect";
  f.memory = MemoryEffect::kNone;
  f.uses = flags::kInPastedServe;
  return f;
}

std::vector<EngineFlag> BuildTable() {
  std::vector<EngineFlag> t = {
      {.name = "model", .field = &EngineArgs::model, .rule = flags::TextRule(),
       .help = "bundled model name, model directory or config.json path"},
      {.name = "gpu", .field = &EngineArgs::gpu, .rule = flags::TextRule(),
       .help = "card type (configs/gpus/<key>.json)", .origin = FlagOrigin::kTpsim},
      {.name = "gpu-memory-total-gib", .field = &EngineArgs::gpu_memory_total_gib,
       .rule = flags::RealRule(OpenBetween(0.5, 4096)),
       .help = "override the card's total (GiB, as nvidia-smi/cudaMemGetInfo)", .origin = FlagOrigin::kTpsim},
      {.name = "topology", .field = &EngineArgs::topology, .rule = flags::TextRule(),
       .help = "topology preset or `nvidia-smi topo -m` file", .origin = FlagOrigin::kTpsim},
      {.name = "tensor-parallel-size", .aliases = {"-t", "-tp", "--tp"},
       .field = &EngineArgs::tensor_parallel_size, .rule = flags::IntegerRule(Between(1, 64)),
       .help = "tensor-parallel size (vLLM -tp; also --tp)"},
      {.name = "vllm-version", .field = &EngineArgs::vllm_version, .rule = SupportedRelease(),
       .help = "vLLM release whose accounting to replay", .origin = FlagOrigin::kTpsim},
      {.name = "usage-context", .field = &EngineArgs::usage_context, .rule = flags::ChoiceRule({"serve", "llm"}),
       .help = "serve (vllm serve) or llm (offline LLM)", .origin = FlagOrigin::kTpsim},
      {.name = "gpu-memory-utilization", .field = &EngineArgs::gpu_memory_utilization, .rule = Utilization(),
       .help = "fraction of the card vLLM may use (default by version)"},
      {.name = "max-model-len", .field = &EngineArgs::max_model_len, .rule = flags::CountRule(AtLeast(1)),
       .help = "context length, e.g. 32768 or 32k (default: the model's)"},
      {.name = "max-num-seqs", .field = &EngineArgs::max_num_seqs,
       .rule = flags::IntegerRule(Between(1, kMaxNumSeqs)),
       .help = "concurrent sequences (default by version and card)"},
      {.name = "max-num-batched-tokens", .field = &EngineArgs::max_num_batched_tokens,
       .rule = flags::CountRule(Between(1, kMaxBatchedTokens)),
       .help = "tokens per step, e.g. 8192 or 8k (default by version and card)"},
      {.name = "enforce-eager", .field = &EngineArgs::enforce_eager, .rule = flags::BoolRule(),
       .help = "no torch.compile, no CUDA graphs (--no-enforce-eager: the default)"},
      {.name = "quantization", .aliases = {"-q"}, .field = &EngineArgs::quantization, .rule = Quantization(),
       .help = "awq | awq_marlin | gptq | gptq_marlin | fp8 (default: the checkpoint's)"},
      {.name = "dtype", .field = &EngineArgs::dtype,
       .rule = flags::ChoiceRule({"auto", "half", "float16", "bfloat16", "float", "float32"}),
       .help = "auto | half | float16 | bfloat16 | float | float32"},
      {.name = "kv-cache-dtype", .field = &EngineArgs::kv_cache_dtype,
       .rule = flags::ChoiceRule({"auto", "bfloat16", "float16", "half", "fp8", "fp8_e4m3", "fp8_e5m2"}),
       .help = "auto | bfloat16 | fp8 | fp8_e4m3 | fp8_e5m2"},
      {.name = "block-size", .field = &EngineArgs::block_size, .rule = flags::IntegerRule(PowerOfTwoBetween(1, 256)),
       .help = "KV block size in tokens (default 16)"},
      {.name = "enable-chunked-prefill", .field = &EngineArgs::enable_chunked_prefill, .rule = flags::BoolRule(),
       .help = "chunked prefill: bare flag, true | false, or --no-enable-chunked-prefill (default by version)",
       .bool_syntax = BoolSyntax::kSwitchOrValue},
      {.name = "disable-custom-all-reduce", .field = &EngineArgs::disable_custom_all_reduce,
       .rule = flags::BoolRule(), .help = "turn off vLLM's custom all-reduce"},
      {.name = "kv-cache-memory", .field = &EngineArgs::kv_cache_memory, .rule = flags::BytesRule(AtLeast(0)),
       .help = "KV cache bytes per GPU, ignores utilization (8GiB or 8G = 8 GiB; 8g = 8 x 10^9 as in vLLM)"},
      {.name = "max-cudagraph-capture-size", .field = &EngineArgs::max_cudagraph_capture_size,
       .rule = flags::IntegerRule(AtLeast(1)), .help = "largest CUDA-graph capture size"},
      {.name = "estimate-cudagraphs", .field = &EngineArgs::estimate_cudagraphs_env, .rule = flags::BoolRule(),
       .help = "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (0.18-0.19)", .origin = FlagOrigin::kVllmEnv,
       .env = "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS"},
  };
  // Server flags of a pasted line: accepted, no memory effect.
  for (std::string_view name : {"trust-remote-code", "enable-prefix-caching", "disable-log-requests"}) {
    t.push_back(ServerFlag(name, flags::BoolRule()));
  }
  for (std::string_view name : {"port", "host", "served-model-name", "api-key"}) {
    t.push_back(ServerFlag(name, flags::TextRule()));
  }
  return t;
}

}  // namespace

const EngineFlagTable& EngineFlags() {
  static const EngineFlagTable kTable(BuildTable());
  return kTable;
}

Status ValidateEngineArgs(const EngineArgs& args) { return flags::ValidateAll(EngineFlags(), args); }

}  // namespace tpsim
