// Hand-written ModelConfigs of the anchor models (published hyper-parameters), so that shard and
// allocator tests do not depend on the config.json reader.
#ifndef TPSIM_TESTS_TESTING_MODEL_FIXTURES_H_
#define TPSIM_TESTS_TESTING_MODEL_FIXTURES_H_

#include "sim/model/model_config.h"

namespace tpsim::testing {

// Qwen3 dense: H, I, L, n_h, n_kv (head_dim 128, vocab 151936, max positions 40960, untied).
ModelConfig Qwen3(const char* name, std::int64_t h, std::int64_t inter, std::int64_t layers,
                  std::int64_t heads, std::int64_t kv_heads, bool awq);
inline ModelConfig Qwen3_32B_Awq() { return Qwen3("Qwen/Qwen3-32B-AWQ", 5120, 25600, 64, 64, 8, true); }
inline ModelConfig Qwen3_14B_Awq() { return Qwen3("Qwen/Qwen3-14B-AWQ", 5120, 17408, 40, 40, 8, true); }
inline ModelConfig Qwen3_8B() { return Qwen3("Qwen/Qwen3-8B", 4096, 12288, 36, 32, 8, false); }

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_TESTING_MODEL_FIXTURES_H_
