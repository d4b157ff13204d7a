#include "tools/tpsim/commands.h"

namespace tpsim::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"plan", "vLLM start-up replayed on every tensor-parallel rank", &RunPlan},
      {"shard", "per-rank tensors and bytes of a tensor-parallel split", &RunShard},
  };
  return kCommands;
}

}  // namespace tpsim::cli
