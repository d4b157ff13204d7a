#include "sim/shard/tensor_spec.h"

namespace tpsim {

std::string_view ShardKindName(ShardKind k) {
  switch (k) {
    case ShardKind::kReplicated: return "replicated";
    case ShardKind::kColumn: return "column";
    case ShardKind::kRow: return "row";
    case ShardKind::kVocab: return "vocab";
  }
  return "?";
}

std::int64_t TensorSpec::numel() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

}  // namespace tpsim
