// Element types of weights, activations and the KV cache, with their sizes and the names used by
// HF config.json ("torch_dtype"), safetensors headers ("F16", "BF16", "I32", ...) and vLLM flags.
#ifndef TPSIM_SIM_MODEL_DTYPE_H_
#define TPSIM_SIM_MODEL_DTYPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/status_or.h"

namespace tpsim {

enum class DType { kF32, kF16, kBF16, kF8E4M3, kF8E5M2, kI64, kI32, kI16, kI8, kU8, kBool, kF64 };

// Bytes per element.
int DTypeBytes(DType t);
// Canonical lower-case name: "float32", "float16", "bfloat16", "fp8_e4m3", "int32", ...
std::string_view DTypeName(DType t);
// Parses torch / HF names ("float16", "half", "fp16", "bfloat16", "float32", "float", ...).
StatusOr<DType> ParseTorchDType(std::string_view name);
// Parses safetensors dtype tags ("F16", "BF16", "F32", "I32", "F8_E4M3", "U8", "BOOL", ...).
StatusOr<DType> ParseSafetensorsDType(std::string_view tag);

}  // namespace tpsim

#endif  // TPSIM_SIM_MODEL_DTYPE_H_
