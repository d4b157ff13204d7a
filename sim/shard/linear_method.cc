#include "sim/shard/linear_method.h"

namespace tpsim {

std::string_view LinearMethodName(LinearMethod m) {
  switch (m) {
    case LinearMethod::kUnquantized: return "unquantized";
    case LinearMethod::kAwq: return "awq";
    case LinearMethod::kAwqMarlin: return "awq_marlin";
    case LinearMethod::kGptq: return "gptq";
    case LinearMethod::kGptqMarlin: return "gptq_marlin";
    case LinearMethod::kFp8: return "fp8";
  }
  return "?";
}

namespace {

bool MarlinGroupSize(int g) { return g == -1 || g == 32 || g == 64 || g == 128; }

}  // namespace

StatusOr<LinearMethodChoice> SelectLinearMethod(const ModelConfig& model,
                                                const std::string& user_quantization,
                                                int compute_capability, int marlin_min_cc) {
  const std::string& q = user_quantization;
  static const char* kKnown[] = {"", "awq", "awq_marlin", "marlin", "gptq", "gptq_marlin", "fp8",
                                 "compressed-tensors"};
  bool known = false;
  for (const char* k : kKnown) known = known || q == k;
  if (!known) {
    return Status::InvalidArgument("unknown --quantization '" + q +
                                   "' (tpsim models: awq, awq_marlin, gptq, gptq_marlin, fp8)");
  }
  const QuantConfig& qc = model.quant;
  LinearMethodChoice choice;
  switch (qc.method) {
    case QuantMethod::kNone:
      if (q == "fp8") {  // online dynamic fp8 quantisation of an unquantised checkpoint
        choice.method = LinearMethod::kFp8;
        return choice;
      }
      if (!q.empty()) {
        return Status::InvalidArgument(
            "Cannot find the config file for " + q + " (the checkpoint '" + model.name +
            "' is not quantized; vLLM needs a " + q + " checkpoint)");
      }
      return choice;
    case QuantMethod::kAwq: {
      if (!q.empty() && q != "awq" && q != "awq_marlin" && q != "marlin") break;
      const bool convertible = qc.bits == 4 && qc.zero_point && MarlinGroupSize(qc.group_size) &&
                               compute_capability >= marlin_min_cc;
      if (q == "awq") {
        choice.method = LinearMethod::kAwq;
        if (convertible) {
          choice.log_line =
              "Detected that the model can run with awq_marlin, however you specified "
              "quantization=awq explicitly, so forcing awq. Use quantization=awq_marlin for faster "
              "inference";
        }
        return choice;
      }
      if (convertible) {
        choice.method = LinearMethod::kAwqMarlin;
        choice.log_line =
            "The model is convertible to awq_marlin during runtime. Using awq_marlin kernel.";
        return choice;
      }
      if (q == "awq_marlin" || q == "marlin") {
        return Status::InvalidArgument("The quantization method awq_marlin is not supported for the "
                                       "current GPU. Minimum capability: " +
                                       std::to_string(marlin_min_cc) +
                                       ". Current capability: " + std::to_string(compute_capability) +
                                       ".");
      }
      choice.method = LinearMethod::kAwq;
      return choice;
    }
    case QuantMethod::kGptq: {
      if (!q.empty() && q != "gptq" && q != "gptq_marlin" && q != "marlin") break;
      const bool convertible = (qc.bits == 4 || qc.bits == 8) && MarlinGroupSize(qc.group_size) &&
                               compute_capability >= marlin_min_cc;
      choice.method = (convertible && q != "gptq") ? LinearMethod::kGptqMarlin : LinearMethod::kGptq;
      return choice;
    }
    case QuantMethod::kFp8:
    case QuantMethod::kCompressedTensors:
      if (!q.empty() && q != "fp8" && q != "compressed-tensors") break;
      choice.method = LinearMethod::kFp8;
      return choice;
  }
  return Status::InvalidArgument(
      "Quantization method specified in the model config (" + std::string(QuantMethodName(qc.method)) +
      ") does not match the quantization method specified in the `quantization` argument (" + q + ").");
}

}  // namespace tpsim
