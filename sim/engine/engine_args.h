// EngineArgs: the deployment as the user states it, with vLLM's own flag names (DESIGN §4). Optional
// fields are "not given": ResolveEngineArgs fills them with the defaults of the chosen vLLM version, GPU
// and usage context, as vLLM's EngineArgs does.
#ifndef TPSIM_SIM_ENGINE_ENGINE_ARGS_H_
#define TPSIM_SIM_ENGINE_ENGINE_ARGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/base/units.h"

namespace tpsim {

struct EngineArgs {
  std::string model = "Qwen/Qwen3-32B-AWQ";       // bundled name, model directory or config.json path
  std::string gpu = "rtx4090";                    // configs/gpus/<key>.json
  std::optional<double> gpu_memory_total_gib;     // --gpu-memory-total-gib: override the card's total
  std::string topology;                           // preset or nvidia-smi topo -m file; "" = default
  int tensor_parallel_size = 1;                   // --tensor-parallel-size / -tp
  std::string vllm_version = "0.19.0";            // --vllm-version
  std::string usage_context = "serve";            // serve (vllm serve) | llm (offline LLM class)
  std::optional<double> gpu_memory_utilization;   // default 0.90 (0.92 from 0.20)
  std::optional<std::int64_t> max_model_len;      // default: max_position_embeddings
  std::optional<std::int64_t> max_num_seqs;
  std::optional<std::int64_t> max_num_batched_tokens;
  bool enforce_eager = false;
  std::string quantization;                       // "" = from the checkpoint
  std::string dtype = "auto";                     // auto | float16 | bfloat16 | float32
  std::string kv_cache_dtype = "auto";            // auto | fp8 | fp8_e4m3 | fp8_e5m2
  std::optional<int> block_size;                  // default 16
  std::optional<bool> enable_chunked_prefill;
  bool disable_custom_all_reduce = false;
  std::optional<Bytes> kv_cache_memory;           // --kv-cache-memory (bytes)
  std::optional<int> max_cudagraph_capture_size;
  bool estimate_cudagraphs_env = false;           // VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 on 0.18-0.19
};

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_ENGINE_ARGS_H_
