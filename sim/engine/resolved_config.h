// ResolvedConfig: a deployment with every vLLM default filled in, as vLLM's EngineArgs ->
// VllmConfig would resolve it for that version, GPU and usage context
// (research/vllm_memory_mechanism.md §2.4, §2.5, §3.1, §4.1, §4.2). Errors are vLLM's own rejections
// of inconsistent flags (exit 2), never memory verdicts. Every default that depends on the release comes
// from the era's policy (vllm_policy.h); the release table (release_table.h) says which era.
#ifndef TPSIM_SIM_ENGINE_RESOLVED_CONFIG_H_
#define TPSIM_SIM_ENGINE_RESOLVED_CONFIG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/engine/config_constants.h"
#include "sim/engine/engine_args.h"
#include "sim/engine/release_table.h"
#include "sim/engine/vllm_version.h"
#include "sim/model/model_config.h"
#include "sim/shard/linear_method.h"
#include "sim/shard/shard_plan.h"
#include "topology/comm_features.h"
#include "topology/gpu_spec.h"
#include "topology/topology.h"

namespace tpsim {

enum class CudaGraphMode { kNone, kPiecewise, kFullAndPiecewise };

struct ResolvedConfig {
  EngineArgs args;  // as given
  ModelConfig model;
  GpuSpec gpu;
  Topology topology;
  VllmVersion version;
  VllmEra era = VllmEra::kV1_0_18;
  int tp = 1;
  double gpu_memory_utilization = 0.9;
  std::int64_t max_model_len = 0;
  std::int64_t max_num_seqs = 0;            // S
  std::int64_t max_num_batched_tokens = 0;  // T
  bool chunked_prefill = true;
  bool enforce_eager = false;
  LinearMethod linear = LinearMethod::kUnquantized;
  std::string linear_log_line;
  DType dtype = DType::kBF16;     // activations and unquantised weights
  DType kv_dtype = DType::kBF16;
  int block_size = 16;
  CudaGraphMode cudagraph_mode = CudaGraphMode::kNone;
  std::vector<std::int64_t> capture_sizes;       // piecewise capture sizes, descending
  std::vector<std::int64_t> full_capture_sizes;  // FULL (uniform decode) sizes, descending
  bool subtract_cudagraph_estimate = false;
  std::vector<std::string> warnings;             // vLLM's warnings while resolving
  CommFeatures comm_features;  // what the release does with its communicators on this card
  std::shared_ptr<const ConfigConstants> constants;  // read from configs/; null: the defaults

  std::int64_t profile_num_reqs() const;  // the era's rows of the dummy sampler run (V1 min(S, T), V0 S)
  const ConfigConstants& config_constants() const;  // *constants, or DefaultConfigConstants()
};

// REQUIRES: configs_dir holds models/ and gpus/ (nccl.json and engine.json are read when present).
// Errors: unknown model/GPU/version, a malformed nccl.json or engine.json, out-of-range
// flags (utilization not in (0, 1], tp < 1, block size not in {1..256 power of 2}, negative lengths),
// max_model_len above the model's limit, T < max_model_len with chunked prefill off, T < S.
StatusOr<ResolvedConfig> ResolveEngineArgs(const EngineArgs& args, const std::string& configs_dir);

// Same, for an already-loaded model (sweeps and tests avoid re-reading config.json).
StatusOr<ResolvedConfig> ResolveWithModel(const EngineArgs& args, const ModelConfig& model,
                                          const GpuSpec& gpu, const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_RESOLVED_CONFIG_H_
