#include "tests/testing/model_fixtures.h"

namespace tpsim::testing {

ModelConfig Qwen3(const char* name, std::int64_t h, std::int64_t inter, std::int64_t layers,
                  std::int64_t heads, std::int64_t kv_heads, bool awq) {
  ModelConfig m;
  m.name = name;
  m.architecture = "Qwen3ForCausalLM";
  m.model_type = "qwen3";
  m.hidden_size = h;
  m.intermediate_size = inter;
  m.num_layers = layers;
  m.num_heads = heads;
  m.num_kv_heads = kv_heads;
  m.head_dim = 128;
  m.vocab_size = 151936;
  m.max_position_embeddings = 40960;
  m.tie_word_embeddings = false;
  m.dtype = awq ? DType::kF16 : DType::kBF16;
  m.qk_norm = true;
  m.rope_theta = 1000000.0;
  if (awq) {
    m.quant.method = QuantMethod::kAwq;
    m.quant.bits = 4;
    m.quant.group_size = 128;
    m.quant.zero_point = true;
    m.quant.version = "gemm";
  }
  return m;
}

}  // namespace tpsim::testing
