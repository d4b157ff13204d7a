// The per-rank intermediate sizes vLLM's quantised fused-MoE methods accept, refuse or reroute.
// Read at upstream commits 0dd3f4f5 (≈v0.10.1) and 66e86f1d (≈v0.19.0); identical rules in both.
//
// FP8 block (quantization/fp8.py Fp8MoEMethod.create_weights, block_n x block_k = 128 x 128 for
// the Qwen3-*-FP8 checkpoints): I_p must be a multiple of block_n, and when the attention TP size
// is above 1 also of block_k, else ValueError.
// GPTQ / AWQ 4-bit (gptq_marlin.py / awq_marlin.py get_quant_method): the Marlin MoE kernel takes
// the layer when utils/marlin_utils.py check_moe_marlin_supports_layer holds,
//   H % 128 == 0 and I_p % max(64, g) == 0 and g in {-1, 32, 64, 128} (SiLU, no router weight on
//   the input, as Qwen and Mixtral),
// otherwise vLLM logs "Layer '<prefix>' is not supported by GPTQMoeMarlin. Falling back to Moe
// WNA16 kernels." (AWQMoeMarlin for AWQ) and uses moe_wna16.py MoeWNA16Method, whose
// create_weights halves the group size until it divides both I_p and H and asserts it stays >= 32.
#ifndef TPSIM_KERNELS_REFERENCE_MOE_QUANT_SPLIT_H_
#define TPSIM_KERNELS_REFERENCE_MOE_QUANT_SPLIT_H_

#include <string>

#include "sim/base/status.h"
#include "sim/base/status_or.h"

namespace tpsim::ref {

// Fp8MoEMethod's block checks for the rank's I_p, in vLLM's order, with its ValueError texts:
//   "The output_size of gate's and up's weight = I_p is not divisible by weight quantization
//    block_n = N."
//   "The input_size of down's weight = I_p is not divisible by weight quantization block_k = K."
// `attention_tp` is get_tensor_model_parallel_world_size() (the second check is skipped at 1).
// InvalidArgument on non-positive sizes.
Status CheckFp8BlockMoePartition(int intermediate_per_partition, int attention_tp, int block_n,
                                 int block_k);

// check_moe_marlin_supports_layer for a SiLU layer without router weight on the input.
bool MarlinMoeSupportsLayer(int hidden_size, int intermediate_per_partition, int group_size);

enum class WnaCheckpoint { kGptq, kAwq };
enum class WnaMoeKernel { kMarlin, kMoeWna16 };

struct WnaMoePlan {
  WnaMoeKernel kernel = WnaMoeKernel::kMarlin;
  int group_size = 0;             // the group size the kernel's tensors use
  int group_size_div_factor = 1;  // MoeWNA16: checkpoint groups repeated this many times
  std::string warning;            // vLLM's fallback log line, empty for Marlin
};

// Which kernel vLLM's GPTQ-Marlin / AWQ-Marlin config gives the FusedMoE layer `prefix` (e.g.
// "model.layers.0.mlp.experts"), with the MoeWNA16 group size. Refusal: the halving loop reaching
// a group below 32 -> "AssertionError: group_size >= 32 (MoeWNA16Method.create_weights: ...)".
// InvalidArgument on non-positive sizes or a group size other than -1 or positive.
StatusOr<WnaMoePlan> PlanWnaMoeLayer(WnaCheckpoint checkpoint, const std::string& prefix,
                                     int hidden_size, int intermediate_per_partition,
                                     int group_size);

}  // namespace tpsim::ref

#endif  // TPSIM_KERNELS_REFERENCE_MOE_QUANT_SPLIT_H_
