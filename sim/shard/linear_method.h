// Which linear-layer kernel vLLM picks for a checkpoint, and the tensors that kernel keeps per linear.
//
// Rules (research/vllm_memory_mechanism.md §6.2): an AWQ 4-bit checkpoint with zero point and a Marlin
// group size (-1, 32, 64, 128) is run with awq_marlin unless the user forces --quantization awq; Marlin
// needs compute capability >= 80 (>= 75 after vLLM PR #31008). Plain awq is the fallback.
#ifndef TPSIM_SIM_SHARD_LINEAR_METHOD_H_
#define TPSIM_SIM_SHARD_LINEAR_METHOD_H_

#include <string>

#include "sim/base/status_or.h"
#include "sim/model/model_config.h"

namespace tpsim {

enum class LinearMethod { kUnquantized, kAwq, kAwqMarlin, kGptq, kGptqMarlin, kFp8 };

std::string_view LinearMethodName(LinearMethod m);

struct LinearMethodChoice {
  LinearMethod method = LinearMethod::kUnquantized;
  std::string log_line;  // vLLM's info/warning line about the choice, "" when none
};

// `user_quantization`: the --quantization flag ("" = not given). `marlin_min_cc`: 80 before vLLM PR
// #31008, 75 after. Errors: a flag that contradicts the checkpoint (vLLM: "Quantization method specified
// in the model config (awq) does not match the quantization method specified in the `quantization`
// argument (gptq)."), unknown method names.
StatusOr<LinearMethodChoice> SelectLinearMethod(const ModelConfig& model,
                                                const std::string& user_quantization,
                                                int compute_capability, int marlin_min_cc);

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_LINEAR_METHOD_H_
