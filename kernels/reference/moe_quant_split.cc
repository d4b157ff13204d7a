// FP8-block and GPTQ/AWQ (Marlin or MoeWNA16) admission of a rank's expert shapes.
#include "kernels/reference/moe_quant_split.h"

namespace tpsim::ref {
namespace {

std::string Str(int v) { return std::to_string(v); }

}  // namespace

Status CheckFp8BlockMoePartition(int intermediate_per_partition, int attention_tp, int block_n,
                                 int block_k) {
  if (intermediate_per_partition < 1 || attention_tp < 1 || block_n < 1 || block_k < 1) {
    return Status::InvalidArgument("FP8 block check needs positive sizes");
  }
  if (intermediate_per_partition % block_n != 0) {
    return Status::InvalidArgument("The output_size of gate's and up's weight = " +
                                   Str(intermediate_per_partition) +
                                   " is not divisible by weight quantization block_n = " +
                                   Str(block_n) + ".");
  }
  if (attention_tp > 1 && intermediate_per_partition % block_k != 0) {
    return Status::InvalidArgument("The input_size of down's weight = " +
                                   Str(intermediate_per_partition) +
                                   " is not divisible by weight quantization block_k = " +
                                   Str(block_k) + ".");
  }
  return Status::Ok();
}

bool MarlinMoeSupportsLayer(int hidden_size, int intermediate_per_partition, int group_size) {
  const int min_k = group_size > 64 ? group_size : 64;
  const bool shape = hidden_size % 128 == 0 && intermediate_per_partition % min_k == 0;
  const bool group = group_size == -1 || group_size == 32 || group_size == 64 ||
                     group_size == 128;
  return shape && group;
}

StatusOr<WnaMoePlan> PlanWnaMoeLayer(WnaCheckpoint checkpoint, const std::string& prefix,
                                     int hidden_size, int intermediate_per_partition,
                                     int group_size) {
  if (hidden_size < 1 || intermediate_per_partition < 1 ||
      (group_size < 1 && group_size != -1)) {
    return Status::InvalidArgument("MoE WNA16 plan needs positive sizes and a group size of -1 "
                                   "or above 0, got group " + Str(group_size));
  }
  WnaMoePlan plan;
  plan.group_size = group_size;
  if (MarlinMoeSupportsLayer(hidden_size, intermediate_per_partition, group_size)) return plan;
  plan.kernel = WnaMoeKernel::kMoeWna16;
  plan.warning = "Layer '" + prefix + "' is not supported by " +
                 (checkpoint == WnaCheckpoint::kGptq ? "GPTQMoeMarlin" : "AWQMoeMarlin") +
                 ". Falling back to Moe WNA16 kernels.";
  if (group_size == -1) return plan;  // Python's x % -1 == 0: the loop never runs.
  int g = group_size;
  while (intermediate_per_partition % g != 0 || hidden_size % g != 0) {
    g /= 2;
    plan.group_size_div_factor *= 2;
    if (g < 32) {
      return Status::InvalidArgument(
          "AssertionError: group_size >= 32 (MoeWNA16Method.create_weights: no group size from " +
          Str(group_size) + " down to 32 divides intermediate_size_per_partition " +
          Str(intermediate_per_partition) + " and hidden_size " + Str(hidden_size) + ")");
    }
  }
  plan.group_size = g;
  return plan;
}

}  // namespace tpsim::ref
