#include "sim/engine/resolved_config.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/engine/engine_flag_table.h"
#include "sim/engine/vllm_policy.h"

namespace tpsim {

namespace {

std::string S(std::int64_t v) { return std::to_string(v); }

}  // namespace

std::int64_t ResolvedConfig::profile_num_reqs() const {
  return PolicyFor(era).ProfileNumReqs(max_num_seqs, max_num_batched_tokens);
}

const ConfigConstants& ResolvedConfig::config_constants() const {
  return constants != nullptr ? *constants : DefaultConfigConstants();
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
  c.era = EraOf(c.version, c.gpu.compute_capability());
  const VllmPolicy& policy = PolicyFor(c.era);

  c.tp = args.tensor_parallel_size;

  // Utilization.
  c.gpu_memory_utilization = args.gpu_memory_utilization.value_or(policy.DefaultGpuMemoryUtilization());

  // Quantization method and dtype.
  const int marlin_min_cc = policy.MarlinMinComputeCapability(c.version);
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
  const SchedulerDefaults sched = policy.DefaultScheduler(
      c.version, {c.gpu.name, c.gpu.total_memory_bytes, args.usage_context == "llm", c.max_model_len,
                  args.enable_chunked_prefill});
  c.chunked_prefill = sched.chunked_prefill;
  c.max_num_seqs = args.max_num_seqs.value_or(sched.max_num_seqs);
  if (args.max_num_batched_tokens) {
    c.max_num_batched_tokens = *args.max_num_batched_tokens;
  } else {
    c.max_num_batched_tokens =
        policy.DefaultBatchedTokens(c.version, sched, c.max_model_len, c.max_num_seqs);
  }
  if (!args.max_num_seqs) {
    c.max_num_seqs = policy.CapDefaultMaxNumSeqs(c.version, c.max_num_seqs, c.max_num_batched_tokens);
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
    c.capture_sizes = policy.CaptureSizes(c.version, c.max_num_seqs, c.max_num_batched_tokens,
                                          args.max_cudagraph_capture_size.value_or(0));
    c.cudagraph_mode = policy.GraphMode();
    if (c.cudagraph_mode == CudaGraphMode::kFullAndPiecewise) {
      for (std::int64_t size : c.capture_sizes) {
        if (size <= c.max_num_seqs) c.full_capture_sizes.push_back(size);
      }
    }
  }
  c.subtract_cudagraph_estimate =
      !c.enforce_eager && policy.SubtractsCudaGraphEstimate(args.estimate_cudagraphs_env);

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

  // The numbers configs/ holds for the communication model and the replay, and what this release does
  // with its communicators.
  TPSIM_ASSIGN_OR_RETURN(c.constants, LoadConfigConstants(configs_dir));
  c.comm_features = CommFeaturesFor(c.version, c.gpu, c.constants->nccl_pins);
  return c;
}

}  // namespace tpsim
