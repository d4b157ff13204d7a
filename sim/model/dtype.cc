#include "sim/model/dtype.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace tpsim {

int DTypeBytes(DType t) {
  switch (t) {
    case DType::kF64: case DType::kI64: return 8;
    case DType::kF32: case DType::kI32: return 4;
    case DType::kF16: case DType::kBF16: case DType::kI16: return 2;
    case DType::kF8E4M3: case DType::kF8E5M2: case DType::kI8: case DType::kU8: case DType::kBool:
      return 1;
  }
  return 1;
}

std::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kF64: return "float64";
    case DType::kF32: return "float32";
    case DType::kF16: return "float16";
    case DType::kBF16: return "bfloat16";
    case DType::kF8E4M3: return "fp8_e4m3";
    case DType::kF8E5M2: return "fp8_e5m2";
    case DType::kI64: return "int64";
    case DType::kI32: return "int32";
    case DType::kI16: return "int16";
    case DType::kI8: return "int8";
    case DType::kU8: return "uint8";
    case DType::kBool: return "bool";
  }
  return "?";
}

StatusOr<DType> ParseTorchDType(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n.rfind("torch.", 0) == 0) n = n.substr(6);
  if (n == "float16" || n == "half" || n == "fp16") return DType::kF16;
  if (n == "bfloat16" || n == "bf16") return DType::kBF16;
  if (n == "float32" || n == "float" || n == "fp32") return DType::kF32;
  if (n == "float64" || n == "double") return DType::kF64;
  return Status::InvalidArgument("unknown dtype '" + std::string(name) +
                                 "' (expected float16, bfloat16 or float32)");
}

StatusOr<DType> ParseSafetensorsDType(std::string_view tag) {
  if (tag == "F16") return DType::kF16;
  if (tag == "BF16") return DType::kBF16;
  if (tag == "F32") return DType::kF32;
  if (tag == "F64") return DType::kF64;
  if (tag == "I64") return DType::kI64;
  if (tag == "I32") return DType::kI32;
  if (tag == "I16") return DType::kI16;
  if (tag == "I8") return DType::kI8;
  if (tag == "U8") return DType::kU8;
  if (tag == "BOOL") return DType::kBool;
  if (tag == "F8_E4M3") return DType::kF8E4M3;
  if (tag == "F8_E5M2") return DType::kF8E5M2;
  return Status::InvalidArgument("unknown safetensors dtype '" + std::string(tag) + "'");
}

}  // namespace tpsim
