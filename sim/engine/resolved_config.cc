#include "sim/engine/resolved_config.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/engine/engine_flag_table.h"

namespace tpsim {

namespace {

std::string S(std::int64_t v) { return std::to_string(v); }

bool Contains(std::string hay, const std::string& needle) {
  std::transform(hay.begin(), hay.end(), hay.begin(), [](unsigned char c) { return std::tolower(c); });
  return hay.find(needle) != std::string::npos;
}

// V1 batch defaults, research §2.4 (EngineArgs._set_default_args_v1 / get_batch_defaults).
void V1BatchDefaults(const VllmVersion& v, const GpuSpec& gpu, Bytes total, bool llm,
                     std::int64_t* t, std::int64_t* s) {
  const bool h100_by_name = Contains(gpu.name, "h100") || Contains(gpu.name, "h200");
  bool big;
  if (v < VllmVersion{0, 8, 5}) {
    big = h100_by_name;
  } else if (v < VllmVersion{0, 9, 0}) {
    big = total >= 70 * kGiB;
  } else {
    big = total >= 70 * kGiB && !Contains(gpu.name, "a100");
  }
  if (big) {
    *t = llm ? 16384 : 8192;
    *s = 1024;
  } else {
    *t = llm ? 8192 : 2048;
    *s = (v < VllmVersion{0, 8, 4}) ? 1024 : 256;
  }
}

}  // namespace

std::int64_t ResolvedConfig::profile_num_reqs() const {
  if (era == VllmEra::kV0) return max_num_seqs;
  return std::min(max_num_seqs, max_num_batched_tokens);
}

std::vector<std::int64_t> CaptureSizes(const VllmVersion& v, bool v0, std::int64_t s,
                                       std::int64_t t, std::int64_t override_max) {
  std::vector<std::int64_t> sizes;
  if (v0) {
    // [1, 2, 4] + [8 i], kept up to the first candidate >= S.
    std::vector<std::int64_t> cand = {1, 2, 4};
    for (int i = 1; i <= 1024; ++i) cand.push_back(8 * i);
    for (std::int64_t c : cand) {
      sizes.push_back(c);
      if (c >= s) break;
    }
  } else {
    std::int64_t m;
    if (override_max > 0) {
      m = std::min(override_max, t);
    } else if (v < VllmVersion{0, 10, 0}) {
      m = 512;
    } else {
      m = std::min<std::int64_t>(2 * s, 512);
    }
    if (v >= VllmVersion{0, 9, 0}) m = std::min(m, t);
    for (std::int64_t c : {1, 2, 4}) {
      if (c <= m) sizes.push_back(c);
    }
    if (v < VllmVersion{0, 12, 0}) {
      for (std::int64_t c = 8; c <= m; c += 8) sizes.push_back(c);
    } else {
      for (std::int64_t c = 8; c < std::min<std::int64_t>(m + 1, 256); c += 8) sizes.push_back(c);
      for (std::int64_t c = 256; c <= m; c += 16) sizes.push_back(c);
    }
  }
  std::sort(sizes.rbegin(), sizes.rend());
  return sizes;
}

StatusOr<ResolvedConfig> ResolveEngineArgs(const EngineArgs& args, const std::string& configs_dir) {
  TPSIM_ASSIGN_OR_RETURN(ModelConfig model, LoadModelConfig(args.model, configs_dir));
  TPSIM_ASSIGN_OR_RETURN(GpuSpec gpu, LoadGpuSpec(args.gpu, configs_dir));
  return ResolveWithModel(args, model, gpu, configs_dir);
}

StatusOr<ResolvedConfig> ResolveWithModel(const EngineArgs& args, const ModelConfig& model,
                                          const GpuSpec& gpu_in, const std::string& configs_dir) {
  TPSIM_RETURN_IF_ERROR(ValidateEngineArgs(args));  // every flag's range (engine_flag_table.h)
  ResolvedConfig c;
  c.args = args;
  c.model = model;
  c.gpu = gpu_in;
  if (args.gpu_memory_total_gib) {
    const double g = *args.gpu_memory_total_gib;
    c.gpu.total_memory_bytes = static_cast<Bytes>(std::llround(g * static_cast<double>(kGiB)));
  }
  TPSIM_ASSIGN_OR_RETURN(c.version, ParseSupportedVllmVersion(args.vllm_version));
  TPSIM_ASSIGN_OR_RETURN(c.era, EraOf(c.version, c.gpu.compute_capability()));
  const bool v0 = c.era == VllmEra::kV0;

  c.tp = args.tensor_parallel_size;

  // Utilization.
  const double default_u = c.version >= VllmVersion{0, 20, 0} ? 0.92 : 0.90;
  c.gpu_memory_utilization = args.gpu_memory_utilization.value_or(default_u);

  // Quantization method and dtype.
  const int marlin_min_cc = c.version >= VllmVersion{0, 14, 0} ? 75 : 80;  // PR #31008 (2025-12-19)
  TPSIM_ASSIGN_OR_RETURN(LinearMethodChoice lm,
                         SelectLinearMethod(model, args.quantization, c.gpu.compute_capability(),
                                            marlin_min_cc));
  c.linear = lm.method;
  c.linear_log_line = lm.log_line;
  if (args.dtype == "auto") {
    c.dtype = model.dtype == DType::kF32 ? DType::kBF16 : model.dtype;
    if (model.dtype == DType::kF32) c.dtype = DType::kF16;  // vLLM: float32 checkpoints run in fp16
  } else {
    TPSIM_ASSIGN_OR_RETURN(c.dtype, ParseTorchDType(args.dtype));
  }
  if (c.dtype == DType::kBF16 && c.gpu.compute_capability() < 80) {
    if (args.dtype == "auto") {
      c.dtype = DType::kF16;
      c.warnings.push_back("Your GPU does not have native support for bfloat16; casting to float16.");
    } else {
      return Status::InvalidArgument(
          "Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your " +
          c.gpu.name + " GPU has compute capability " + S(c.gpu.cc_major) + "." +
          S(c.gpu.cc_minor) + ". You can use float16 instead by explicitly setting the `dtype` "
          "flag in CLI, for example: --dtype=half.");
    }
  }
  if (c.linear == LinearMethod::kAwq && c.dtype != DType::kF16) {
    c.warnings.push_back(std::string(DTypeName(c.dtype)) +
                         " is not supported for quantization method awq. Casting to float16.");
    c.dtype = DType::kF16;
  }

  // KV cache dtype and block size.
  const std::string& kvd = args.kv_cache_dtype;
  if (kvd == "auto") {
    c.kv_dtype = c.dtype;
  } else if (kvd == "fp8" || kvd == "fp8_e4m3") {
    c.kv_dtype = DType::kF8E4M3;
  } else if (kvd == "fp8_e5m2") {
    c.kv_dtype = DType::kF8E5M2;
  } else if (kvd == "bfloat16" || kvd == "float16" || kvd == "half") {
    TPSIM_ASSIGN_OR_RETURN(c.kv_dtype, ParseTorchDType(kvd));
  }
  c.block_size = args.block_size.value_or(16);

  // Context length.
  const std::int64_t derived = model.max_position_embeddings;
  c.max_model_len = args.max_model_len.value_or(derived);
  if (c.max_model_len > derived) {
    return Status::InvalidArgument(
        "User-specified max_model_len (" + S(c.max_model_len) + ") is greater than the derived "
        "max_model_len (max_position_embeddings=" + S(derived) + " or model_max_length=None in "
        "model's config.json). To allow overriding this maximum, set the env var "
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme "
        "caution.");
  }

  // Scheduler defaults (§2.4, §2.5).
  std::int64_t t_default = 0, s_default = 0;
  if (v0) {
    c.chunked_prefill = args.enable_chunked_prefill.value_or(c.max_model_len > 32768);
    s_default = 256;
    t_default = c.chunked_prefill ? 2048 : std::max<std::int64_t>(c.max_model_len, 2048);
  } else {
    V1BatchDefaults(c.version, c.gpu, c.gpu.total_memory_bytes, args.usage_context == "llm",
                    &t_default, &s_default);
    if (c.version < VllmVersion{0, 12, 0}) {
      c.chunked_prefill = true;  // "V1 always uses chunked prefills" until PR #28665
    } else {
      c.chunked_prefill = args.enable_chunked_prefill.value_or(true);
    }
  }
  c.max_num_seqs = args.max_num_seqs.value_or(s_default);
  if (args.max_num_batched_tokens) {
    c.max_num_batched_tokens = *args.max_num_batched_tokens;
  } else {
    std::int64_t t = t_default;
    if (!v0 && !c.chunked_prefill) t = std::max(c.max_model_len, t);
    if (!v0 && c.version >= VllmVersion{0, 12, 0}) t = std::min(t, c.max_num_seqs * c.max_model_len);
    c.max_num_batched_tokens = t;
  }
  if (!args.max_num_seqs && !v0 && c.version >= VllmVersion{0, 12, 0}) {
    c.max_num_seqs = std::min(c.max_num_seqs, c.max_num_batched_tokens);
  }
  if (!c.chunked_prefill && c.max_num_batched_tokens < c.max_model_len) {
    return Status::InvalidArgument(
        "max_num_batched_tokens (" + S(c.max_num_batched_tokens) + ") is smaller than max_model_len (" +
        S(c.max_model_len) + "). This effectively limits the maximum sequence length to "
        "max_num_batched_tokens and makes vLLM reject longer sequences. Please increase "
        "max_num_batched_tokens or decrease max_model_len.");
  }
  if (c.max_num_batched_tokens < c.max_num_seqs) {
    return Status::InvalidArgument("max_num_batched_tokens (" + S(c.max_num_batched_tokens) +
                                   ") must be greater than or equal to max_num_seqs (" +
                                   S(c.max_num_seqs) + ").");
  }

  // CUDA graphs (§4).
  c.enforce_eager = args.enforce_eager;
  if (args.max_cudagraph_capture_size && *args.max_cudagraph_capture_size > c.max_num_batched_tokens) {
    // vLLM never captures a graph larger than a step's token budget.
    c.warnings.push_back("max_cudagraph_capture_size " + S(*args.max_cudagraph_capture_size) +
                         " exceeds max_num_batched_tokens; capped to " + S(c.max_num_batched_tokens));
  }
  if (!c.enforce_eager) {
    c.capture_sizes = CaptureSizes(c.version, v0, c.max_num_seqs, c.max_num_batched_tokens,
                                   args.max_cudagraph_capture_size.value_or(0));
    if (v0 || c.version < VllmVersion{0, 11, 0}) {
      c.cudagraph_mode = CudaGraphMode::kPiecewise;  // V0: whole-model graphs, one per size
    } else {
      c.cudagraph_mode = CudaGraphMode::kFullAndPiecewise;
      for (std::int64_t size : c.capture_sizes) {
        if (size <= c.max_num_seqs) c.full_capture_sizes.push_back(size);
      }
    }
  }
  c.subtract_cudagraph_estimate =
      !c.enforce_eager && (c.era == VllmEra::kV1_0_20 ||
                           (c.era == VllmEra::kV1_0_18 && args.estimate_cudagraphs_env));

  // Topology: N identical cards.
  TPSIM_ASSIGN_OR_RETURN(c.topology,
                         args.topology.empty()
                             ? DefaultTopology(c.gpu, c.tp)
                             : LoadTopology(args.topology, c.gpu, c.tp, configs_dir));
  if (c.topology.num_gpus < c.tp) {
    return Status::InvalidArgument("topology has " + S(c.topology.num_gpus) +
                                   " GPUs, fewer than --tensor-parallel-size " + S(c.tp));
  }
  TPSIM_RETURN_IF_ERROR(CheckTensorParallelSplit(model, c.tp, c.linear));
  return c;
}

}  // namespace tpsim
