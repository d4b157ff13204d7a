// TensorSpec: one tensor a rank allocates for the model (a parameter or a buffer), with the split vLLM
// applies to it. A rank's list is in vLLM's allocation order (module construction order), which is what
// the caching-allocator replay needs (research/vllm_memory_mechanism.md §6.4).
#ifndef TPSIM_SIM_SHARD_TENSOR_SPEC_H_
#define TPSIM_SIM_SHARD_TENSOR_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/units.h"
#include "sim/model/dtype.h"

namespace tpsim {

// How a tensor is split over tensor-parallel ranks (vllm/model_executor/layers/linear.py,
// vocab_parallel_embedding.py).
enum class ShardKind {
  kReplicated,  // every rank holds the whole tensor (norms, rotary cache, scales)
  kColumn,      // output dimension split (QKVParallelLinear, MergedColumnParallelLinear)
  kRow,         // input dimension split (RowParallelLinear); output all-reduced
  kVocab,       // vocabulary rows split after padding the global vocab to a multiple of 64
};

std::string_view ShardKindName(ShardKind k);

struct TensorSpec {
  std::string name;                 // vLLM parameter name, e.g. "model.layers.0.self_attn.qkv_proj.qweight"
  std::vector<std::int64_t> shape;  // per-rank shape
  DType dtype = DType::kF16;
  ShardKind shard = ShardKind::kReplicated;
  bool is_buffer = false;           // registered buffer (rotary cos_sin_cache), not a parameter

  std::int64_t numel() const;
  Bytes bytes() const { return numel() * DTypeBytes(dtype); }
};

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_TENSOR_SPEC_H_
