// ModelConfig: the hyper-parameters of a dense decoder (Qwen3, Qwen2/Qwen2.5, Llama 3.x, Mistral) as
// read from a Hugging Face config.json, plus its quantization_config. Pure data; no device is touched.
//
// Sources: the HF config.json field names (transformers' Qwen3Config, Qwen2Config, LlamaConfig,
// MistralConfig) and vLLM's model/quantization classes (research/vllm_memory_mechanism.md §5-§6).
#ifndef TPSIM_SIM_MODEL_MODEL_CONFIG_H_
#define TPSIM_SIM_MODEL_MODEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/model/dtype.h"
#include "sim/model/safetensors.h"

namespace tpsim {

enum class QuantMethod { kNone, kAwq, kGptq, kFp8, kCompressedTensors };

std::string_view QuantMethodName(QuantMethod m);

// quantization_config of config.json. For AWQ: bits 4, group_size 128, zero_point true, version "gemm".
struct QuantConfig {
  QuantMethod method = QuantMethod::kNone;
  int bits = 16;
  int group_size = -1;      // -1 = per channel
  bool zero_point = false;  // AWQ zero_point; GPTQ: !sym
  bool desc_act = false;    // GPTQ act-order (adds g_idx)
  std::string version;      // AWQ "gemm" / "gemv"; compressed-tensors format
  std::vector<std::string> modules_to_not_convert;
  bool lm_head_quantized = false;  // "lm_head": true in the config (rare)
  // fp8: "activation_scheme" ("static" / "dynamic", "" when absent) and "weight_block_size"
  // ([rows, cols] of block-wise weight scales; empty = per-tensor scales).
  std::string activation_scheme;
  std::vector<std::int64_t> weight_block_size;
};

struct ModelConfig {
  std::string name;          // as given on the command line or the directory name
  std::string architecture;  // "Qwen3ForCausalLM", "Qwen2ForCausalLM", "LlamaForCausalLM", ...
  std::string model_type;    // "qwen3", "qwen2", "llama", "mistral"
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_kv_heads = 0;
  std::int64_t head_dim = 0;  // explicit in config.json, else hidden_size / num_heads
  std::int64_t vocab_size = 0;
  std::int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  DType dtype = DType::kBF16;  // torch_dtype
  bool qk_norm = false;        // Qwen3: per-head q_norm/k_norm
  bool qkv_bias = false;       // Qwen2: bias on q/k/v projections
  bool mlp_bias = false;       // Llama/Mistral "mlp_bias": bias on gate/up/down projections
  double rope_theta = 10000.0;
  std::string rope_type;             // "" (default), "yarn", "llama3", "linear", "dynamic"
  double rope_factor = 1.0;
  std::int64_t rope_original_max_position = 0;  // yarn / llama3: original_max_position_embeddings
  double partial_rotary_factor = 1.0;
  double rms_norm_eps = 1e-6;
  QuantConfig quant;
  // Filled by LoadModelConfig when the model directory holds *.safetensors files (empty otherwise):
  // the shard paths in the order read, and every tensor of every shard, shard by shard in data order.
  std::vector<std::string> checkpoint_files;
  std::vector<SafetensorsTensor> checkpoint_tensors;

  std::int64_t rotary_dim() const { return static_cast<std::int64_t>(head_dim * partial_rotary_factor); }
  bool is_quantized() const { return quant.method != QuantMethod::kNone; }
};

// Parses the text of a config.json. `name` labels messages and ModelConfig::name.
// Errors (InvalidArgument): not JSON, not an object, a required field missing or of the wrong type,
// a non-positive or absurd size, head counts that do not divide, unsupported architecture or
// quantization. Messages name the field: "config.json: num_attention_heads: expected a positive integer".
StatusOr<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& name);

// Resolves --model: a bundled name ("Qwen/Qwen3-32B-AWQ" -> configs/models/Qwen/Qwen3-32B-AWQ/config.json),
// a local model directory (its config.json), or a path to a config.json. NotFound when none exists.
StatusOr<std::string> ResolveModelConfigPath(const std::string& model, const std::string& configs_dir);

// Reads and parses the config.json that ResolveModelConfigPath finds (messages are prefixed with its
// path; ModelConfig::name is `model`). When that config's directory holds safetensors weights, their
// headers are read (never the weights) into checkpoint_files / checkpoint_tensors: the shards named in
// model.safetensors.index.json's weight_map when that file exists, else every *.safetensors file there,
// sorted by name. Errors: NotFound for missing files, InvalidArgument for unreadable or malformed ones,
// a weight_map naming a tensor its shard lacks, or one tensor name in two shards.
StatusOr<ModelConfig> LoadModelConfig(const std::string& model, const std::string& configs_dir);

// Names of the bundled models (directories under configs_dir/models holding a config.json), sorted.
std::vector<std::string> BundledModelNames(const std::string& configs_dir);

// The configs/ directory: $TPSIM_CONFIGS if set, else <source dir>/configs.
std::string DefaultConfigsDir();

}  // namespace tpsim

#endif  // TPSIM_SIM_MODEL_MODEL_CONFIG_H_
